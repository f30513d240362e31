using Diffusion.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class SampleDiversityTests
{
    [Fact]
    public void Hand_computed_distances_per_class()
    {
        // Class 0: (0, 0) and (3, 4), 5 apart. Class 1: (0, 0), (1, 0), (0, 1): pairs 1, 1 and sqrt 2. Class 2: one point.
        using var vectors = tensor(new double[] { 0, 0, 0, 0, 3, 4, 1, 0, 0, 1, 7, 7 }, [6, 2]);
        using var labels = tensor(new long[] { 0, 1, 0, 1, 1, 2 });
        double[] d = SampleDiversity.WithinClassDistance(vectors, labels, classCount: 4);
        Assert.Equal(5.0, d[0], 12);
        Assert.Equal((2 + Math.Sqrt(2)) / 3, d[1], 12);
        Assert.True(double.IsNaN(d[2]));                                                         // one image: no pair
        Assert.True(double.IsNaN(d[3]));                                                         // no image
    }

    [Fact]
    public void Equals_an_explicit_loop_over_pairs()
    {
        using var vectors = randn([30, 5], generator: new Generator(3), dtype: ScalarType.Float64);
        using var labels = randint(0, 3, [30], generator: new Generator(4));
        double[] x = vectors.data<double>().ToArray();
        long[] y = labels.data<long>().ToArray();
        double[] d = SampleDiversity.WithinClassDistance(vectors, labels, classCount: 3);
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            int pairs = 0;
            for (int i = 0; i < 30; i++)
                for (int j = 0; j < 30; j++)
                    if (i != j && y[i] == c && y[j] == c)
                    {
                        sum += Math.Sqrt(Enumerable.Range(0, 5).Sum(k => Math.Pow(x[i * 5 + k] - x[j * 5 + k], 2)));
                        pairs++;
                    }
            Assert.Equal(sum / pairs, d[c], 9);
        }
    }

    [Fact]
    public void Gaussian_samples_match_the_chi_distribution()
    {
        // For x, y ~ N(0, s^2 I_3) independent, x - y ~ N(0, 2 s^2 I_3), so E||x - y|| = sqrt(2) s E[chi_3] = sqrt(2) s 2 sqrt(2 / pi) = 4 s / sqrt(pi).
        const double s = 0.5;
        using var vectors = randn([2000, 3], generator: new Generator(5), dtype: ScalarType.Float64) * s;
        using var labels = zeros(2000, dtype: ScalarType.Int64);
        double d = SampleDiversity.WithinClassDistance(vectors, labels, classCount: 1)[0];
        Assert.InRange(d, 4 * s / Math.Sqrt(Math.PI) - 0.04, 4 * s / Math.Sqrt(Math.PI) + 0.04);   // about 3 standard errors
    }

    [Fact]
    public void Mismatched_shapes_are_rejected()
    {
        using var vectors = zeros(4, 2);
        using var labels = zeros(3, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => SampleDiversity.WithinClassDistance(vectors, labels, 2));
        using var images = zeros(3, 1, 2);
        Assert.Throws<ArgumentException>(() => SampleDiversity.WithinClassDistance(images, labels, 2));
    }

    [Fact]
    public void Spread_relative_to_real_is_one_for_the_real_images_and_zero_for_copies()
    {
        manual_seed(0);
        var classifier = new ImageClassifier([1, 28, 28], classCount: 3);
        classifier.eval();
        using var images = rand([30, 1, 28, 28], generator: new Generator(5)) * 2 - 1;            // [30, 1, 28, 28]
        using var labels = arange(30, dtype: ScalarType.Int64) % 3;                               // [30]
        Assert.Equal(1.0, SampleEvaluation.SpreadRelativeToReal(classifier, images, labels, images, labels), 9);
        using var copies = images[..3].repeat(10, 1, 1, 1);                                       // image i is image i mod 3: one per class
        Assert.Equal(0.0, SampleEvaluation.SpreadRelativeToReal(classifier, copies, labels, images, labels), 5);
    }
}
