using Diffusion.Ddpm;
using Diffusion.Models;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

// The hand-written step reseeds the global generator before building each network: no other test may draw from it meanwhile.
[Collection(nameof(RunsAlone))]
public class DiffusionLossTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear();

    [Fact]
    public void Without_weighting_the_eps_loss_is_L_simple()
    {
        var generator = new Generator(1);
        using var x0 = randn([6, 1, 4, 4], generator: generator);
        using var eps = randn([6, 1, 4, 4], generator: generator);
        using var prediction = randn([6, 1, 4, 4], generator: generator);
        using var t = randint(0, 1000, [6], generator: generator);
        using var loss = new DiffusionProcess(Schedule).Loss.Compute(prediction, x0, eps, t);
        using var simple = DiffusionLoss.Simple(prediction, eps);
        Assert.Equal(simple.item<float>(), loss.item<float>(), 6);
    }

    /// <summary>Min-SNR-5 (Hang et al. 2023): the eps weight min(SNR, 5) / SNR is 1 at high noise and 5 / SNR at low noise.</summary>
    [Theory]
    [InlineData(PredictionTarget.Epsilon)]
    [InlineData(PredictionTarget.X0)]
    [InlineData(PredictionTarget.Velocity)]
    public void Min_snr_weights_follow_the_closed_form(PredictionTarget target)
    {
        var loss = new DiffusionProcess(Schedule, target, minSnrGamma: 5).Loss;
        foreach (int t in new[] { 0, 100, 300, 999 })
        {
            double snr = Schedule.AlphaBars[t] / (1 - Schedule.AlphaBars[t]), clipped = Math.Min(snr, 5);
            double expected = target switch
            {
                PredictionTarget.Epsilon => clipped / snr,
                PredictionTarget.X0 => clipped,
                _ => clipped / (snr + 1),
            };
            Assert.Equal(expected, loss.Weights[t], 12);
        }
        Assert.All(new DiffusionProcess(Schedule, target).Loss.Weights, w => Assert.Equal(1.0, w));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiffusionProcess(Schedule, target, minSnrGamma: 0));
    }

    [Fact]
    public void The_v_target_is_sqrt_abar_eps_minus_sqrt_one_minus_abar_x0()
    {
        var generator = new Generator(2);
        using var x0 = randn([3, 1, 2, 2], generator: generator, dtype: ScalarType.Float64);
        using var eps = randn([3, 1, 2, 2], generator: generator, dtype: ScalarType.Float64);
        using var t = tensor(new long[] { 0, 500, 999 });
        using var v = new DiffusionProcess(Schedule, PredictionTarget.Velocity).Loss.TargetFor(x0, eps, t);
        for (int b = 0; b < 3; b++)
        {
            int step = (int)t[b].item<long>();
            double a = Schedule.AlphaBars[step];
            using var expected = Math.Sqrt(a) * eps[b] - Math.Sqrt(1 - a) * x0[b];
            Assert.True(v[b].allclose(expected, rtol: 1e-12, atol: 1e-12));
        }
    }

    [Fact]
    public void A_prediction_of_another_shape_is_rejected()
    {
        using var x = zeros(2, 1, 4, 4);
        using var doubled = zeros(2, 2, 4, 4);
        using var t = tensor(new long[] { 1, 2 });
        var error = Assert.Throws<ArgumentException>(() => new DiffusionProcess(Schedule).Loss.Compute(doubled, x, x, t));
        Assert.Contains("one value per pixel", error.Message);
    }

    /// <summary>
    /// The Trainer's step is Algorithm 1 and nothing else: the same step written by hand (noise, loss, AdamW, clipping) on
    /// the same batch, t and noise leaves the same weights (lesson 06 makes the same check).
    /// </summary>
    [Theory]
    [InlineData(PredictionTarget.Epsilon, null)]
    [InlineData(PredictionTarget.Velocity, 5.0)]
    public void A_hand_written_step_equals_a_trainer_step(PredictionTarget target, double? gamma)
    {
        var config = new TrainingConfig { Target = target, MinSnrGamma = gamma, LearningRate = 1e-3, WarmupSteps = 0, BatchSize = 8 };
        manual_seed(4);
        using var trainer = new Trainer(new UNet(UNetConfig.Tiny), config, CPU, seed: 0);
        manual_seed(4);
        using var model = new UNet(UNetConfig.Tiny);
        using var optimizer = optim.AdamW(model.parameters(), lr: config.LearningRate, weight_decay: config.WeightDecay);
        var generator = new Generator(5);
        using var x0 = rand([8, 1, 28, 28], generator: generator) * 2 - 1;
        using var t = randint(0, 1000, [8], generator: generator);
        using var eps = randn([8, 1, 28, 28], generator: generator);

        var forward = new ForwardProcess(Schedule);
        using (var xt = forward.AddNoise(x0, eps, t))
        using (var loss = new DiffusionProcess(Schedule, target, minSnrGamma: gamma).Loss.Compute(model.forward(xt, t), x0, eps, t))
        {
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), config.GradientClip);
            optimizer.step();
        }
        trainer.TrainStep(x0, t, eps);

        foreach (var (hand, library) in model.parameters().Zip(trainer.Model.parameters()))
            Assert.True(hand.allclose(library, rtol: 0, atol: 1e-6), "weights differ after one step");
    }
}
