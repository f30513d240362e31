using Diffusion.Models;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class SinusoidalEmbeddingTests
{
    [Fact]
    public void Values_at_known_t_follow_the_formula()
    {
        // dim 8: half = 4, freq_i = 10000^(-i/4) = 1, 0.1, 0.01, 0.001
        using var e = SinusoidalEmbedding.Compute(tensor(new[] { 0L, 5L }), 8);
        double[] f = [1, 0.1, 0.01, 0.001];
        var expected = new[]
        {
            f.Select(_ => 1.0).Concat(f.Select(_ => 0.0)).ToArray(),
            f.Select(x => Math.Cos(5 * x)).Concat(f.Select(x => Math.Sin(5 * x))).ToArray(),
        };
        for (int row = 0; row < 2; row++)
            for (int i = 0; i < 8; i++)
                Assert.Equal(expected[row][i], e[row, i].item<float>(), 5);
    }

    [Fact]
    public void Fractional_t_and_odd_dim_work()
    {
        using var e = SinusoidalEmbedding.Compute(tensor(new[] { 0.5f }), 5);
        Assert.Equal([1L, 5], e.shape);
        Assert.Equal(Math.Cos(0.5), e[0, 0].item<float>(), 5);
        Assert.Equal(0f, e[0, 4].item<float>());                              // padding
    }

    [Fact]
    public void Every_timestep_of_a_1000_step_schedule_gets_a_distinct_embedding()
    {
        using var e = SinusoidalEmbedding.Compute(arange(1000), 32);          // [1000, 32]
        using var distances = cdist(e, e);                                     // [1000, 1000]
        using var offDiagonal = distances + eye(1000) * 1e9;
        Assert.True(offDiagonal.min().item<float>() > 0.01f);
        // Neighbours are closer than distant timesteps: the embedding is smooth in t.
        Assert.True(distances[500, 501].item<float>() < distances[500, 900].item<float>());
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SinusoidalEmbedding.Compute(tensor(new[] { 1L }), 1));
        Assert.Throws<ArgumentException>(() => SinusoidalEmbedding.Compute(zeros(2, 2), 8));
    }
}
