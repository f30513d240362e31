using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// The loop every sampler's <c>Sample</c> shares: at each visited timestep ask the network for the noise, let the
/// sampler's step move x one step closer to the data, and keep x if a trajectory was asked for. Lessons write this loop
/// out by hand; the samplers call it so the code exists once.
/// </summary>
internal static class SamplingLoop
{
    /// <param name="step">(index into <paramref name="timesteps"/>, x_t, eps) -> the sampler's step.</param>
    public static SampleResult Run(NoisePredictor model, Tensor xT, IReadOnlyList<int> timesteps,
        Func<int, Tensor, Tensor, SamplerStep> step, bool keepTrajectory, IProgress<int>? progress)
    {
        var x = xT.alias();
        var trajectory = new List<Tensor>();
        if (keepTrajectory)
            trajectory.Add(x.cpu());
        for (int i = 0; i < timesteps.Count; i++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var time = full(x.shape[0], (long)timesteps[i], dtype: ScalarType.Int64, device: x.device);   // [B]
            var next = step(i, x, model(x, time));
            x.Dispose();
            x = next.Previous.MoveToOuterDisposeScope();
            if (keepTrajectory)
                trajectory.Add(x.cpu().MoveToOuterDisposeScope());
            progress?.Report(i + 1);
        }
        return new SampleResult(x, trajectory);
    }
}
