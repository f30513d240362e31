using System.Globalization;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Evaluation;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace DiffusionCli;

/// <summary>
/// diffusion evaluate --model FILE [--classifier models/fashion-mnist-classifier.bin] [--samples 500] [--batch 250]
///                    [--samplers ddpm:1000,ddim:50,dpm:20,ddim-eta1:50 | none] [--bpd-images 0] [--seed 0] [--out FILE.csv]
/// For each sampler: draws --samples images, measures the classifier-feature Frechet distance to the 10,000 test images
/// and the wall time per image; first it measures the real-vs-real floor (as many training images vs the test set). With
/// --bpd-images N it also estimates the variational bound in bits/dim on the first N test images. Writes a CSV table
/// (rows appear as they finish, so a stopped run keeps what it measured) and prints it.
/// </summary>
public static class EvaluateCommand
{
    public static int Run(Options options)
    {
        string modelPath = options.String("model", "");
        if (modelPath == "")
            throw new ArgumentException("--model FILE is required (e.g. models/fashion-mnist-small.bin).");
        var course = CourseSettings.FromEnvironment();
        string classifierPath = options.String("classifier", Path.Combine(course.RepositoryRoot, "models", "fashion-mnist-classifier.bin"));
        int samples = (int)options.Long("samples", 500);
        int batch = (int)options.Long("batch", 250);
        var samplers = ParseSamplers(options.String("samplers", "ddpm:1000,ddim:10,ddim:20,ddim:50,ddim:100,ddim-eta1:50,dpm:10,dpm:20,dpm:50"));
        int bpdImages = (int)options.Long("bpd-images", 0);
        long seed = options.Long("seed", 0);
        string output = options.String("out", Path.Combine(course.OutputFolder, "evaluation.csv"));
        options.RejectUnknown();
        if (samples < 2) throw new ArgumentException("--samples must be at least 2 (a covariance needs two images).");

        var device = TorchRuntime.BestDevice();
        var (model, info) = TrainedModel.Load(modelPath, device);
        var (classifier, aboutClassifier) = ImageClassifier.Load(classifierPath, device);
        Console.WriteLine($"model: {info.Description}\nclassifier: {aboutClassifier}");
        using var test = FashionMnist.Load(DatasetSplit.Test, course.DataFolder, log: Console.WriteLine);
        using var train = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxCount: samples, log: Console.WriteLine);
        using var testImages = ImageDataset.ToModelRange(test.Images);                          // [10000, 1, 28, 28]
        var distance = new ClassifierFrechetDistance(classifier, testImages);
        if (info.Training.Target != PredictionTarget.Epsilon)
            throw new ArgumentException($"{modelPath} predicts {info.Training.Target}; the samplers and the bound take a noise (Epsilon) prediction.");
        var schedule = NoiseSchedule.Create(info.Training.Schedule, info.Training.DiffusionSteps);   // the schedule it was trained with
        NoisePredictor eps = (x, t) => model.forward(x, t);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using var table = new StreamWriter(output);
        void Row(string sampler, int steps, double fid, double secondsPerImage)
        {
            string line = string.Create(CultureInfo.InvariantCulture, $"{sampler},{steps},{fid:F3},{secondsPerImage:F4},{samples}");
            table.WriteLine(line);
            table.Flush();
            Console.WriteLine(line);
        }
        table.WriteLine("sampler,steps,frechet_distance,seconds_per_image,images");
        using (var trainImages = ImageDataset.ToModelRange(train.Images))
            Row("real training images (floor)", 0, distance.To(trainImages), 0);

        var generator = new Generator((ulong)seed);
        foreach (var choice in samplers)
        {
            var progress = new Progress<int>(done => Console.Write($"\r{choice}: {done}/{samples} images "));
            var (images, secondsPerImage) = choice.Generate((_, _) => eps, schedule, samples, batch, [1, 28, 28], generator, device, progress);
            Console.WriteLine();
            using (images)
                Row(choice.Name, choice.Steps, distance.To(images), secondsPerImage);
        }

        if (bpdImages > 0)
        {
            var bound = new VariationalBound(schedule);
            using var x0 = testImages.narrow(0, 0, bpdImages).to(device);
            var progress = new Progress<int>(done => Console.Write($"\rbits/dim: {done}/{schedule.Steps} timesteps "));
            var estimate = bound.Evaluate(eps, x0, generator, progress: progress);
            Console.WriteLine();
            using var bitsPerDim = estimate.BitsPerDim.to_type(ScalarType.Float64);                     // [N]
            double mean = bitsPerDim.mean().item<double>(), standardError = bitsPerDim.std().item<double>() / Math.Sqrt(bpdImages);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"variational bound on {bpdImages} test images: {mean:F3} +- {standardError:F3} bits/dim"));
        }
        Console.WriteLine($"table: {output}");
        return 0;
    }

    /// <summary>"ddpm:1000,ddim:50,ddim-eta1:50,dpm:20" -> sampler choices; "none" for none (e.g. only --bpd-images).</summary>
    private static List<SamplerChoice> ParseSamplers(string text) => text == "none" ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(item =>
    {
        var parts = item.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int steps))
            throw new ArgumentException($"'{item}' is not sampler:steps (e.g. ddim:50).");
        return parts[0] switch
        {
            "ddpm" => new SamplerChoice(SamplerKind.Ddpm, steps),
            "ddim" => new SamplerChoice(SamplerKind.Ddim, steps),
            "ddim-eta1" => new SamplerChoice(SamplerKind.Ddim, steps, Eta: 1.0),
            "dpm" => new SamplerChoice(SamplerKind.DpmSolver, steps),
            _ => throw new ArgumentException($"Unknown sampler '{parts[0]}' (ddpm, ddim, ddim-eta1, dpm)."),
        };
    }).ToList();
}
