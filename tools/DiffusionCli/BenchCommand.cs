using System.Diagnostics;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionCli;

/// <summary>
/// diffusion bench [--presets tiny,small] [--batch 64] [--seconds 10]
/// Forward (inference) and training-step throughput of each UNet preset on random 28 x 28 images, in images per
/// second, with the thread count and peak memory; then sampling throughput (finished images per second) of the few-step
/// samplers, measured, and of 1000-step DDPM, computed from the forward rate (one network call per step; running it would
/// take minutes). A measurement, not a test: compare numbers from the same machine.
/// </summary>
public static class BenchCommand
{
    public static int Run(Options options)
    {
        var presets = options.EnumList<ModelPreset>("presets", "tiny,small");
        int batch = (int)options.Long("batch", 64);
        double seconds = options.Double("seconds", 10);
        options.RejectUnknown();

        var device = TorchRuntime.BestDevice();
        Console.WriteLine($"device {device}, {get_num_threads()} threads, batch {batch}, about {seconds} s per measurement");
        Console.WriteLine($"{"preset",-8} {"parameters",12} {"forward img/s",14} {"train img/s",12}");
        var samplingRows = new List<(ModelPreset Preset, List<(string Sampler, double ImagesPerSecond)> Rates)>();
        foreach (var preset in presets)
        {
            manual_seed(0);
            using var model = new UNet(UNetConfig.FromPreset(preset)).to(device);
            using var x = randn([batch, .. FashionMnist.ImageShape], device: device);                // Fashion-MNIST-sized images
            using var t = randint(0, 1000, [batch], device: device);

            model.eval();
            double forward = Measure(seconds, () =>
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                model.forward(x, t);
            }) * batch;

            using var trainer = new Trainer(model, new TrainingConfig { BatchSize = batch }, device, seed: 0);
            double train = Measure(seconds, () => trainer.TrainStep(x)) * batch;
            Console.WriteLine($"{preset.ToString().ToLowerInvariant(),-8} {model.ParameterCount(),12:N0} {forward,14:F0} {train,12:F0}");
            samplingRows.Add((preset, SamplingThroughput(model, batch, device, forward)));
        }
        Console.WriteLine($"\nsampling, finished images/s at batch {batch}:");
        foreach (var (preset, rates) in samplingRows)
            Console.WriteLine($"{preset.ToString().ToLowerInvariant(),-8} " + string.Join("  ", rates.Select(r => $"{r.Sampler} {r.ImagesPerSecond:F1}")));
        Console.WriteLine($"peak resident memory {PeakResidentMegabytes():F0} MB");
        return 0;
    }

    /// <summary>Images per second finished by DDIM (10 and 50 steps) and DPM-Solver++ (20 steps), one timed run each.</summary>
    private static List<(string Sampler, double ImagesPerSecond)> SamplingThroughput(UNet model, int batch, Device device, double forward)
    {
        model.eval();
        var schedule = Diffusion.Ddpm.NoiseSchedule.Linear();
        Diffusion.Ddpm.NoisePredictor eps = (x, t) => model.forward(x, t);
        var rates = new List<(string, double)>();
        foreach (var spec in SamplerSpec.ParseList("ddim:10,ddim:50,dpm:20"))
        {
            using var xT = randn([batch, .. FashionMnist.ImageShape], device: device);
            var clock = Stopwatch.StartNew();
            using var result = spec.Create(schedule).Sample(eps, xT, new Generator(0));
            rates.Add((spec.ToString(), batch / clock.Elapsed.TotalSeconds));
        }
        rates.Add(("DDPM, 1000 steps (from the forward rate)", forward / schedule.Steps));
        return rates;
    }

    /// <summary>Calls per second of <paramref name="action"/>, after one warm-up call, over about <paramref name="seconds"/>.</summary>
    public static double Measure(double seconds, Action action)
    {
        action();
        var clock = Stopwatch.StartNew();
        int calls = 0;
        do
        {
            action();
            calls++;
        } while (clock.Elapsed.TotalSeconds < seconds);
        return calls / clock.Elapsed.TotalSeconds;
    }

    /// <summary>VmHWM from /proc/self/status: the most memory this process has held.</summary>
    public static double PeakResidentMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
