using Diffusion.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// The Frechet distance checked against truths derived without the code under test: closed forms for diagonal and for
/// 2 x 2 covariances, its symmetry and rotation invariance, and a Monte Carlo estimate from samples of known Gaussians.
/// </summary>
public class FrechetDistanceTests
{
    private static FeatureStatistics Stats(double[] mean, double[,] covariance) => new(mean, covariance, Count: 0);

    /// <summary>A random symmetric positive definite matrix A A^T + I, from a seeded generator.</summary>
    private static double[,] RandomCovariance(int d, ulong seed)
    {
        using var a = randn([d, d], ScalarType.Float64, generator: new Generator(seed));
        using var s = a.matmul(a.T) + eye(d, dtype: ScalarType.Float64);
        return ToArray(s);
    }

    private static double[,] ToArray(Tensor matrix)
    {
        var result = new double[matrix.shape[0], matrix.shape[1]];
        for (int i = 0; i < result.GetLength(0); i++)
            for (int j = 0; j < result.GetLength(1); j++)
                result[i, j] = matrix[i, j].item<double>();
        return result;
    }

    [Fact]
    public void Identical_statistics_are_at_distance_zero()
    {
        var s = Stats([1, -2, 0.5, 3, 0, 0, 7, -1], RandomCovariance(8, seed: 1));
        Assert.Equal(0, FrechetDistance.Between(s, s), 1e-9);
    }

    /// <summary>
    /// Covariances estimated from fewer vectors than features are singular: round-off leaves eigenvalues a hair below 0,
    /// whose square roots would be NaN without the clamp. The distance must stay finite, 0 for identical statistics.
    /// </summary>
    [Fact]
    public void Singular_covariances_give_a_finite_distance()
    {
        var generator = new Generator(8);
        using var fewA = randn([5, 12], ScalarType.Float64, generator: generator);              // rank 4 < 12
        using var fewB = randn([5, 12], ScalarType.Float64, generator: generator);
        var a = FeatureStatistics.From(fewA);
        var b = FeatureStatistics.From(fewB);
        Assert.Equal(0, FrechetDistance.Between(a, a), 1e-6);
        double ab = FrechetDistance.Between(a, b);
        Assert.True(double.IsFinite(ab) && ab > 0, $"d = {ab}");
    }

    [Fact]
    public void Diagonal_covariances_give_the_sum_of_squared_differences_of_standard_deviations()
    {
        double[] va = [1, 4, 0.25, 9], vb = [2, 1, 0.25, 16];
        double[] ma = [0, 1, 2, 3], mb = [1, 1, 0, 3];
        var ca = new double[4, 4];
        var cb = new double[4, 4];
        for (int i = 0; i < 4; i++)
            (ca[i, i], cb[i, i]) = (va[i], vb[i]);
        double expected = Enumerable.Range(0, 4).Sum(i => Math.Pow(Math.Sqrt(va[i]) - Math.Sqrt(vb[i]), 2) + Math.Pow(ma[i] - mb[i], 2));
        Assert.Equal(expected, FrechetDistance.Between(Stats(ma, ca), Stats(mb, cb)), 1e-10);
    }

    /// <summary>
    /// For a 2 x 2 PSD matrix M with eigenvalues l1, l2: (Tr sqrt M)^2 = l1 + l2 + 2 sqrt(l1 l2) = tr M + 2 sqrt(det M).
    /// M = S_a^{1/2} S_b S_a^{1/2} has tr M = tr(S_a S_b) and det M = det S_a det S_b, all computable by hand.
    /// </summary>
    [Fact]
    public void A_non_commuting_2x2_case_matches_the_closed_form()
    {
        double[,] a = { { 2, 0.8 }, { 0.8, 1 } }, b = { { 1, -0.5 }, { -0.5, 3 } };
        double trAb = a[0, 0] * b[0, 0] + a[0, 1] * b[1, 0] + a[1, 0] * b[0, 1] + a[1, 1] * b[1, 1];
        double det(double[,] m) => m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0];
        double traceRootM = Math.Sqrt(trAb + 2 * Math.Sqrt(det(a) * det(b)));
        double expected = 0.3 * 0.3 + 1.0 * 1.0 + (a[0, 0] + a[1, 1]) + (b[0, 0] + b[1, 1]) - 2 * traceRootM;
        Assert.NotEqual(a[0, 1] * b[1, 1] + a[0, 0] * b[0, 1], b[0, 0] * a[0, 1] + b[0, 1] * a[1, 1]);   // S_a S_b != S_b S_a
        Assert.Equal(expected, FrechetDistance.Between(Stats([0.3, 1], a), Stats([0, 0], b)), 1e-10);
    }

    [Fact]
    public void The_distance_is_symmetric()
    {
        var a = Stats([1, 2, 3, 4, 5], RandomCovariance(5, seed: 2));
        var b = Stats([0, 2, 1, 4, 6], RandomCovariance(5, seed: 3));
        double ab = FrechetDistance.Between(a, b), ba = FrechetDistance.Between(b, a);
        Assert.True(ab > 1);
        Assert.Equal(ab, ba, 1e-9 * ab);
    }

    /// <summary>Rotating both distributions by the same orthogonal Q (mu -> Q mu, S -> Q S Q^T) leaves the distance alone.</summary>
    [Fact]
    public void Rotating_both_distributions_leaves_the_distance_unchanged()
    {
        const int d = 6;
        double[] ma = [1, 0, -1, 2, 0.5, 0], mb = [0, 0, 1, 1, 0.5, -2];
        double[,] ca = RandomCovariance(d, seed: 4), cb = RandomCovariance(d, seed: 5);
        using var random = randn([d, d], ScalarType.Float64, generator: new Generator(6));
        var (q, r) = linalg.qr(random);                                                          // Q orthogonal [d, d]
        using (q)
        using (r)
        {
            FeatureStatistics Rotate(double[] m, double[,] c)
            {
                using var mu = q.matmul(tensor(m, ScalarType.Float64));                              // [d]
                using var s = q.matmul(tensor(c, ScalarType.Float64)).matmul(q.T);                   // [d, d]
                return Stats(mu.data<double>().ToArray(), ToArray(s));
            }
            double before = FrechetDistance.Between(Stats(ma, ca), Stats(mb, cb));
            double after = FrechetDistance.Between(Rotate(ma, ca), Rotate(mb, cb));
            Assert.Equal(before, after, 1e-9 * before);
        }
    }

    /// <summary>Statistics estimated from 200,000 samples of two known 3-D Gaussians give nearly the true distance.</summary>
    [Fact]
    public void Statistics_of_many_samples_give_nearly_the_true_distance()
    {
        double[] ma = [0, 1, -1], mb = [1, 1, 0];
        double[,] ca = { { 2, 0.6, 0 }, { 0.6, 1, 0.3 }, { 0, 0.3, 0.5 } }, cb = { { 1, -0.4, 0.2 }, { -0.4, 3, 0 }, { 0.2, 0, 1 } };
        var generator = new Generator(7);
        FeatureStatistics Sampled(double[] m, double[,] c)
        {
            using var scope = NewDisposeScope();
            var l = linalg.cholesky(tensor(c, ScalarType.Float64));                                  // S = L L^T
            var z = randn([200_000, 3], ScalarType.Float64, generator: generator);                 // [N, 3]
            return FeatureStatistics.From(z.matmul(l.T) + tensor(m, ScalarType.Float64));           // x = mu + L z
        }
        double truth = FrechetDistance.Between(Stats(ma, ca), Stats(mb, cb));
        double estimate = FrechetDistance.Between(Sampled(ma, ca), Sampled(mb, cb));
        Assert.True(truth > 1);
        Assert.True(Math.Abs(estimate - truth) < 0.02 * truth, $"estimate {estimate:F4}, truth {truth:F4}");
    }

    [Fact]
    public void Statistics_are_the_mean_and_the_unbiased_covariance()
    {
        using var x = tensor(new float[] { 1, 2, 3, 6, 5, 4 }, [3, 2]);                          // rows (1,2) (3,6) (5,4)
        var s = FeatureStatistics.From(x);
        Assert.Equal(3, s.Count);
        Assert.Equal([3.0, 4.0], s.Mean);
        // deviations (-2,-2) (0,2) (2,0): sums of products 8, 4, 8, divided by N - 1 = 2
        Assert.Equal(new double[,] { { 4, 2 }, { 2, 4 } }, s.Covariance);
        using var one = zeros(1, 2);
        Assert.Throws<ArgumentException>(() => FeatureStatistics.From(one));
    }
}
