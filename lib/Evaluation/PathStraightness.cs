using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// How straight a sampler's trajectories are: for each image, the length of the path it travelled from x_T to x_0 divided
/// by the distance between the two ends,
///
///   R = sum_i || x_(i+1) - x_i ||_2 / || x_N - x_0 ||_2    (over the points x_0 .. x_N a sampler visited)
///
/// R = 1 for a straight line, sqrt(2) for two equal legs at a right angle, and more for a path that bends. A straight path is
/// what lets a few large steps land where many small ones would (Liu et al. 2023, sec. 2.3, measure straightness as the
/// gap between the velocity and the end-to-end direction; this ratio needs no time variable, so DDPM's and the flow's
/// trajectories compare directly). Deterministic samplers only: fresh noise makes any path long.
/// </summary>
public static class PathStraightness
{
    /// <summary>R for each image of the trajectory (x before each step and the result, as Sample's keepTrajectory gives it).</summary>
    /// <param name="trajectory">At least two points, each [B, C, H, W] (any shape with the batch first).</param>
    /// <returns>One ratio per image. [B]</returns>
    public static double[] PathOverChord(IReadOnlyList<Tensor> trajectory)
    {
        if (trajectory.Count < 2)
            throw new ArgumentException($"A path needs at least two points, got {trajectory.Count}.", nameof(trajectory));
        using var scope = NewDisposeScope();
        var points = trajectory.Select(x => x.detach().to(ScalarType.Float64, CPU).flatten(1)).ToList();   // each [B, D]
        var length = zeros(points[0].shape[0], dtype: ScalarType.Float64);                      // [B]
        for (int i = 1; i < points.Count; i++)
            length += (points[i] - points[i - 1]).norm(1);                                      // || x_(i+1) - x_i ||
        var chord = (points[^1] - points[0]).norm(1);                                           // || x_N - x_0 ||   [B]
        return (length / chord).data<double>().ToArray();
    }
}
