namespace Diffusion.Training;

/// <summary>
/// A value falling from its peak to 0 along a half cosine (Loshchilov and Hutter 2017, eq. 5, one cycle without
/// restarts): the learning-rate decay of the diffusion trainer and of the classifier.
/// </summary>
public static class CosineDecay
{
    /// <summary>peak * (1 + cos(pi * p)) / 2, for progress p in [0, 1] (clamped): the peak at 0, 0 at 1.</summary>
    public static double At(double peak, double progress) =>
        peak * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0.0, 1.0)));
}
