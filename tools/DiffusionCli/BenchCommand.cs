using System.Diagnostics;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Display;
using Diffusion.Runtime;
using Diffusion.Sampling;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionCli;

/// <summary>
/// diffusion bench [--presets tiny,small] [--batch 128] [--seconds 10]
/// Forward (inference) and training-step throughput of each UNet preset on random 28 x 28 images, in images per
/// second and in GFLOP/s (<see cref="UNetCost"/>), beside the peak of a plain stack of 3 x 3 convolutions measured in the
/// same run (what this CPU and libtorch reach on the UNet's main operation), and the peak resident memory of the
/// training measurement; then sampling throughput (finished images per second) of the few-step samplers, measured, and
/// of 1000-step DDPM, computed from the forward rate. A measurement, not a test: compare numbers from the same machine,
/// taken side by side.
/// </summary>
public static class BenchCommand
{
    public static int Run(Options options)
    {
        var presets = options.EnumList<ModelPreset>("presets", "tiny,small");
        int batch = (int)options.Long("batch", 128);
        double seconds = options.Double("seconds", 10);
        options.RejectUnknown();

        var device = TorchRuntime.BestDevice();
        Console.WriteLine($"device {device}, {get_num_threads()} threads, batch {batch}, about {seconds} s per measurement; " +
                          $"malloc tuning {(NativeMemory.Tuned ? "on" : "off")}; idle threads {OpenMpWaiting.Describe()}");
        double peak = ConvolutionPeak(batch, device, seconds);
        Console.WriteLine($"3x3 convolution stack (64 -> 64 channels, 28 x 28), forward + backward: {peak:F0} GFLOP/s\n");
        Console.WriteLine($"{"preset",-8} {"parameters",12} {"GFLOP/img",10} {"forward img/s",14} {"GFLOP/s",8} {"train img/s",12} {"GFLOP/s",8} {"of peak",8} {"train peak RSS",15}");
        var samplingRows = new List<(ModelPreset Preset, List<(string Sampler, double ImagesPerSecond)> Rates)>();
        foreach (var preset in presets)
        {
            manual_seed(0);
            using var model = new UNet(UNetConfig.FromPreset(preset)).to(device);
            double gflop = UNetCost.ForwardFlopsPerImage(model, FashionMnist.ImageShape) / 1e9;
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
            ResetPeakResident();
            double train = Measure(seconds, () => trainer.TrainStep(x)) * batch;
            double trainPeak = PeakResidentMegabytes();
            double trainGflops = 3 * gflop * train;
            Console.WriteLine($"{preset.ToString().ToLowerInvariant(),-8} {model.ParameterCount(),12:N0} {gflop,10:F3} {forward,14:F0} {gflop * forward,8:F0} " +
                              $"{train,12:F1} {trainGflops,8:F0} {trainGflops / peak,8:P0} {trainPeak,12:F0} MB");
            samplingRows.Add((preset, SamplingThroughput(model, batch, device, forward)));
        }
        Console.WriteLine($"\nsampling, finished images/s at batch {batch}:");
        foreach (var (preset, rates) in samplingRows)
            Console.WriteLine($"{preset.ToString().ToLowerInvariant(),-8} " + string.Join("  ", rates.Select(r => $"{r.Sampler} {r.ImagesPerSecond:F1}")));
        return 0;
    }

    /// <summary>GFLOP/s of forward + backward through four 3 x 3 convolutions, 64 to 64 channels, on [batch, 64, 28, 28].</summary>
    private static double ConvolutionPeak(int batch, Device device, double seconds)
    {
        manual_seed(0);
        using var stack = nn.Sequential(Enumerable.Range(0, 4).Select(i => ((string, nn.Module<Tensor, Tensor>))($"conv{i}", nn.Conv2d(64, 64, 3, padding: 1))).ToArray()).to(device);
        using var x = randn([batch, 64, 28, 28], device: device);                                 // [B, 64, 28, 28]
        double perSecond = Measure(seconds, () =>
        {
            using var scope = NewDisposeScope();
            stack.zero_grad();
            stack.forward(x).square().mean().backward();
        });
        double forwardFlops = 4 * 2.0 * 64 * 64 * 9 * 28 * 28 * batch;
        return 3 * forwardFlops * perSecond / 1e9;
    }

    /// <summary>Starts a fresh peak: the kernel resets VmHWM to the current resident size (proc(5), clear_refs value 5).</summary>
    private static void ResetPeakResident()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Images per second finished by DDIM (10 and 50 steps) and DPM-Solver++ (20 steps), one timed run each.</summary>
    private static List<(string Sampler, double ImagesPerSecond)> SamplingThroughput(UNet model, int batch, Device device, double forward)
    {
        model.eval();
        var process = new Diffusion.Ddpm.DiffusionProcess(Diffusion.Ddpm.NoiseSchedule.Linear());
        Diffusion.Ddpm.ModelOutput network = (x, t) => model.forward(x, t);
        var rates = new List<(string, double)>();
        foreach (var spec in SamplerSpec.ParseList("ddim:10,ddim:50,dpm:20"))
        {
            using var xT = randn([batch, .. FashionMnist.ImageShape], device: device);
            var clock = Stopwatch.StartNew();
            using var result = spec.Create(process).Sample(network, xT, new Generator(0));
            rates.Add((spec.ToString(), batch / clock.Elapsed.TotalSeconds));
        }
        rates.Add(("DDPM, 1000 steps (from the forward rate)", forward / process.Schedule.Steps));
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

    /// <summary>VmHWM from /proc/self/status: the most memory this process has held (since the last reset).</summary>
    public static double PeakResidentMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
