using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// The Frechet (2-Wasserstein) distance between two Gaussians N(mu_a, S_a) and N(mu_b, S_b), in closed form
/// (Dowson and Landau 1982; used on Inception features as the FID by Heusel et al. 2017):
///
///   d^2 = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a^{1/2} S_b S_a^{1/2})^{1/2})
///
/// Why this form and not the usual Tr sqrtm(S_a S_b): the product S_a S_b of two symmetric matrices is in general
/// not symmetric. Its eigenvalues are real and non-negative, but a general matrix square root of it (scipy's sqrtm,
/// through a Schur decomposition) works in complex arithmetic and, when the covariances are near-singular (as
/// estimated ones are, with fewer samples than features or with dead ReLU units), returns complex values or fails;
/// common FID code then adds eps * I and throws the imaginary part away. M = S_a^{1/2} S_b S_a^{1/2} instead is
/// symmetric positive semi-definite and has the same eigenvalues as S_a S_b (AB and BA share their non-zero
/// eigenvalues; take A = S_a^{1/2}, B = S_b S_a^{1/2}), so Tr (S_a S_b)^{1/2} = Tr M^{1/2}. Both square roots then come
/// from a symmetric eigendecomposition (real, orthogonal, stable), and the only round-off left, eigenvalues a hair below
/// zero, is clamped to 0. Only the trace of M^{1/2} is needed: the sum of the square roots of M's eigenvalues.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The squared Frechet distance d^2 above (what FID reports: it is not square-rooted).</summary>
    public static double Between(FeatureStatistics a, FeatureStatistics b)
    {
        if (a.Dimension != b.Dimension)
            throw new ArgumentException($"The statistics have {a.Dimension} and {b.Dimension} features.", nameof(b));
        using var scope = NewDisposeScope();
        var sa = a.CovarianceTensor();                                           // [D, D]
        var sb = b.CovarianceTensor();                                           // [D, D]
        var meanTerm = (a.MeanTensor() - b.MeanTensor()).square().sum();         // 1. |mu_a - mu_b|^2
        var rootA = SymmetricSqrt(sa);                                           // 2. S_a^{1/2}
        var m = rootA.matmul(sb).matmul(rootA);                                  // 3. M = S_a^{1/2} S_b S_a^{1/2}  [D, D]
        var traceRootM = EigenvaluesOfSymmetric(m).sqrt().sum();                 // 4. Tr M^{1/2} = sum sqrt(lambda_i)
        var d2 = meanTerm + sa.trace() + sb.trace() - 2 * traceRootM;            // 5. the formula
        return d2.item<double>();
    }

    /// <summary>The principal square root of a symmetric PSD matrix: V diag(sqrt(max(lambda, 0))) V^T.</summary>
    public static Tensor SymmetricSqrt(Tensor s)
    {
        using var scope = NewDisposeScope();
        var (lambda, v) = linalg.eigh(Symmetrized(s));                           // [D], [D, D]
        var root = (v * lambda.clamp_min(0).sqrt()).matmul(v.T);                 // [D, D]
        return root.MoveToOuterDisposeScope();
    }

    /// <summary>Eigenvalues of a symmetric PSD matrix, with round-off negatives set to 0. [D]</summary>
    private static Tensor EigenvaluesOfSymmetric(Tensor s) => linalg.eigvalsh(Symmetrized(s)).clamp_min(0);

    /// <summary>(S + S^T) / 2 in float64: removes the asymmetry round-off puts into a product like S_a^{1/2} S_b S_a^{1/2}.</summary>
    private static Tensor Symmetrized(Tensor s)
    {
        var s64 = s.to_type(ScalarType.Float64);
        return (s64 + s64.T) / 2;
    }
}
