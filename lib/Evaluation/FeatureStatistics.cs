using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// The mean and covariance of a set of feature vectors: all the Frechet distance looks at (Heusel et al. 2017
/// model the features of real and of generated images as two Gaussians).
/// </summary>
/// <param name="Mean">mu, one entry per feature. [D]</param>
/// <param name="Covariance">Sigma, the unbiased sample covariance (divided by N - 1). [D, D]</param>
/// <param name="Count">N, how many vectors the statistics came from.</param>
public sealed record FeatureStatistics(double[] Mean, double[,] Covariance, int Count)
{
    public int Dimension => Mean.Length;

    /// <summary>Mean and unbiased covariance of <paramref name="features"/> [N, D], computed in float64 on the CPU.</summary>
    /// <exception cref="ArgumentException">Not two-dimensional, or fewer than two rows (no covariance to estimate).</exception>
    public static FeatureStatistics From(Tensor features)
    {
        if (features.dim() != 2)
            throw new ArgumentException($"Features must be [N, D], not [{string.Join(", ", features.shape)}].", nameof(features));
        long n = features.shape[0], d = features.shape[1];
        if (n < 2)
            throw new ArgumentException($"A covariance needs at least 2 feature vectors, got {n}.", nameof(features));

        using var scope = NewDisposeScope();
        var x = features.detach().to(ScalarType.Float64, CPU);                  // [N, D]
        var mu = x.mean([0]);                                                  // [D]
        var centered = x - mu;                                                 // [N, D]
        var sigma = centered.T.matmul(centered) / (n - 1);                     // [D, D]
        double[] flat = sigma.contiguous().data<double>().ToArray();
        var covariance = new double[d, d];
        Buffer.BlockCopy(flat, 0, covariance, 0, flat.Length * sizeof(double));   // row-major, as the tensor
        return new FeatureStatistics(mu.data<double>().ToArray(), covariance, (int)n);
    }

    /// <summary>The covariance as a float64 tensor on the CPU. [D, D]</summary>
    public Tensor CovarianceTensor() => tensor(Covariance, ScalarType.Float64);

    /// <summary>The mean as a float64 tensor on the CPU. [D]</summary>
    public Tensor MeanTensor() => tensor(Mean, ScalarType.Float64);
}
