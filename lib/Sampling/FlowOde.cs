using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// What the Euler and Heun samplers share: the rectified flow's ODE dx/dt = u(x_t, t) (Liu et al. 2023, eq. 1; Lipman et
/// al. 2023, eq. 1), run from t = 1 (pure noise) to t = 0 (the image), with the velocity u = eps - x_0 read from the model's
/// output by the process (<see cref="DiffusionProcess.Interpret"/>, so an x_0 network works too).
/// </summary>
internal static class FlowOde
{
    /// <summary>t_k of each code timestep, for a model trained on the rectified flow; a clear error for any other.</summary>
    public static double[] Times(DiffusionProcess process, string sampler) =>
        process.Schedule.Kind == ScheduleKind.RectifiedFlow ? NoiseSchedule.FlowTimes(process.Schedule.Steps)
        : throw new ArgumentException($"{sampler} integrates the rectified flow's ODE dx/dt = eps - x_0 in its time t; this model's " +
            $"schedule is {process.Schedule.Kind?.ToString() ?? "custom"}. Use ddim (Euler's method in x / alpha) or dpm for it.", nameof(process));

    /// <summary>The model's output at x_t read as the clean image x_0 (clipped to [-1, 1] if asked) and the velocity u = eps - x_0.</summary>
    /// <returns>x_0 and u. [B, C, H, W] each</returns>
    public static (Tensor X0, Tensor U) Read(DiffusionProcess process, Tensor output, Tensor xt, int t, bool clipX0)
    {
        using var time = tensor(t);
        var (x0, eps) = process.Interpret(output, xt, time, clipX0);                           // [B, C, H, W]
        using (eps)
            return (x0, DiffusionProcess.FlowVelocity(x0, eps));
    }
}
