using System.Globalization;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Display;
using Diffusion.Evaluation;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace DiffusionCli;

/// <summary>
/// diffusion evaluate --model FILE [--classifier models/fashion-mnist-classifier.bin] [--samples 1000] [--repeats 1] [--batch 250]
///                    [--samplers ddpm,ddim:50,ddim:50:eta=1,dpm:20,euler:20,heun:10 | none] [--guidance 1.5 | 0,1,2,3,5] [--bpd-images 0] [--seed 0] [--out FILE.csv [--resume]]
/// For each sampler: draws --samples images, measures the classifier-feature Frechet distance to the 10,000 test images
/// and the wall time per image; first it measures the real-vs-real floor (as many training images vs the test set).
/// With --repeats K it makes K independent draws of all that (draw k's floor uses training images (k-1)N .. kN-1), one
/// row each, and ends with each sampler's median and range (<see cref="EvaluationRun.Summaries"/>).
/// A class-conditional model draws the classes in turn (image i asks for class i mod K) with classifier-free guidance
/// --guidance, and two more columns appear: the share the classifier assigns to the class asked for, and the
/// within-class spread relative to real images (<see cref="SampleEvaluation.SpreadRelativeToReal"/>); the floor row
/// gives both for the real training images. Several scales (--guidance 0,1,2,3,5) sweep the guidance: every sampler
/// draws at every scale, and the guidance column says which. With
/// --bpd-images N it also estimates the variational bound in bits/dim on the first N test images. The model samples with
/// its own schedule and prediction target. One run writes one CSV file (never an existing one): '#' lines with the command,
/// the model and the classifier, then the table; rows appear as they finish, so a stopped run keeps what it measured, and
/// the same command with --resume finishes it: it checks that the file's command is this one and its model the file now at
/// --model, keeps its rows and measures the rest (a finished run it leaves as it is). Each row samples from a generator of
/// its own (seeded from --seed and the row's place in the run), so a resumed run makes exactly the images an unbroken one
/// would.
/// </summary>
public static class EvaluateCommand
{
    /// <summary>Row i of a run samples from a generator seeded seed x this + i: a prime above any run's row count.</summary>
    private const ulong RowSeedStride = 1_000_003;

    /// <param name="args">The command line after "diffusion"; the file records it without --resume.</param>
    public static int Run(Options options, IReadOnlyList<string> args)
    {
        string commandLine = "diffusion " + string.Join(" ", args.Where(a => a != "--resume"));
        string modelPath = options.String("model", "");
        if (modelPath == "")
            throw new ArgumentException("--model FILE is required (e.g. models/fashion-mnist-small.bin).");
        var course = CourseSettings.FromEnvironment();
        string classifierPath = options.String("classifier", ShippedModels.PathOf(course, ShippedModels.ClassifierFile));
        int samples = (int)options.Long("samples", 1000);
        int repeats = (int)options.Long("repeats", 1);
        int batch = (int)options.Long("batch", 250);
        IReadOnlyList<SamplerSpec> samplers;
        try
        {
            samplers = SamplerSpec.ParseList(options.String("samplers", "ddpm,ddim:10,ddim:20,ddim:50,ddim:100,ddim:50:eta=1,dpm:10,dpm:20,dpm:50"));
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"--samplers: {e.Message}", e);
        }
        bool guidanceGiven = options.Has("guidance");
        var guidances = options.DoubleList("guidance",
            ShippedModels.ConditionalGuidance.ToString(CultureInfo.InvariantCulture));
        int bpdImages = (int)options.Long("bpd-images", 0);
        long seed = options.Long("seed", 0);
        bool resume = options.Flag("resume");
        if (resume && !options.Has("out"))
            throw new ArgumentException("--resume needs --out FILE: the run to finish.");
        string output = Path.GetFullPath(options.String("out", Path.Combine(course.OutputFolder, "evaluation",
            $"{Path.GetFileNameWithoutExtension(modelPath)}-{DateTime.Now:yyyyMMdd-HHmmss}.csv")));
        options.RejectUnknown();
        if (samples < 2) throw new ArgumentException("--samples must be at least 2 (a covariance needs two images).");
        if (repeats < 1) throw new ArgumentException("--repeats must be at least 1.");
        if (guidances.Count == 0 || guidances.Any(g => !(g >= 0) || double.IsInfinity(g)))
            throw new ArgumentException("--guidance takes one or more finite scales >= 0, e.g. 3 or 0,1,2,3,5.");
        if (File.Exists(output) && !resume)
            throw new IOException($"{output} exists; every run gets a file of its own (choose another --out, delete it, " +
                "or add --resume to finish it).");
        if (resume && !File.Exists(output))
            throw new IOException($"--resume: {output} does not exist; there is no run to finish.");
        var stored = resume ? EvaluationRun.Read(output) : null;
        string? storedCommand = stored?.Notes.FirstOrDefault(n => n.StartsWith("command: "))?["command: ".Length..];
        if (stored is not null && storedCommand != commandLine)
            throw new ArgumentException($"--resume: {output} was made by\n  {storedCommand ?? "(no command line)"}\n" +
                $"not by this command (without --resume):\n  {commandLine}\nA run is finished with the command that started it.");

        var device = TorchRuntime.BestDevice();
        var model = TrainedModel.Load(modelPath, device);
        if (stored is not null && !stored.IsOf(model.Description))
            throw new ArgumentException($"--resume: {output} measured another model than {modelPath} now holds (the file was " +
                "replaced since, e.g. by a retrain); its rows cannot be finished with this one. Move the file aside and start again.");
        bool conditional = model.ClassCount > 0;
        if (guidanceGiven && !conditional)
            throw new ArgumentException($"--guidance needs a class-conditional model; {modelPath} is unconditional.");
        var (classifier, aboutClassifier) = ImageClassifier.Load(classifierPath, device);
        var sampling = samplers.Select(spec => spec.Create(model.Process)).ToList();              // rejects bad settings before any work
        // the scales to draw at: each given one for a conditional model, "no guidance" (null) for an unconditional one
        List<double?> scales = conditional ? guidances.Select(g => (double?)g).ToList() : [null];
        // the run's rows in order: per draw its floor, then every sampler at every scale
        var plan = Enumerable.Range(1, repeats).SelectMany(draw => scales
            .SelectMany(guidance => samplers.Select((spec, i) => new PlannedRow(draw, i, guidance)))
            .Prepend(new PlannedRow(draw, null, null))).ToList();
        if (stored is not null)
        {
            static string Key(int draw, string spec, double? guidance) =>                      // as the file writes them
                string.Create(CultureInfo.InvariantCulture, $"{draw},{spec},{guidance:G4}");
            var expected = plan.Take(stored.Rows.Count).Select(p => Key(p.Draw, p.Sampler is int i ? samplers[i].Text : "", p.Guidance));
            if (stored.Rows.Count > plan.Count || !stored.Rows.Select(r => Key(r.Draw, r.Spec, r.Guidance)).SequenceEqual(expected))
                throw new InvalidDataException($"--resume: the rows in {output} are not the start of this run's {plan.Count} rows.");
            bool boundDone = bpdImages == 0 || stored.Notes.Any(n => n.StartsWith("variational bound"));
            if (stored.Rows.Count == plan.Count && boundDone)
            {
                Console.WriteLine($"{output}: all {plan.Count} rows measured; nothing left to do");
                return 0;                                                                       // the file stays as it is
            }
            Console.WriteLine($"resuming {output}: {stored.Rows.Count} of {plan.Count} rows measured");
        }
        Console.WriteLine($"model: {model.Description}\nclassifier: {aboutClassifier}");
        using var test = FashionMnist.Load(DatasetSplit.Test, course.DataFolder, log: Console.WriteLine);
        using var train = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxCount: samples * repeats, log: Console.WriteLine);
        if (train.Count < samples * repeats)
            throw new ArgumentException($"--samples {samples} x --repeats {repeats} needs {samples * repeats:N0} training images for the " +
                $"floors (each draw's its own); {train.Name} has {train.Count:N0}.");
        if (!model.ImageShape.SequenceEqual(test.ImageShape) || !classifier.ImageShape.SequenceEqual(test.ImageShape))
            throw new ArgumentException($"The model makes images [{string.Join(", ", model.ImageShape)}] and the classifier takes " +
                $"[{string.Join(", ", classifier.ImageShape)}]; both must be {test.Name}'s [{string.Join(", ", test.ImageShape)}].");
        using var testImages = ImageDataset.ToModelRange(test.Images);                          // [N, C, H, W]
        var distance = new ClassifierFrechetDistance(classifier, testImages);

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using var table = new StreamWriter(output, append: resume);
        string timing = $"on {device} with {get_num_threads()} threads, batches of {batch}";
        if (stored is null)
        {
            table.WriteLine($"# command: {commandLine}");
            table.WriteLine($"# {EvaluationRun.ModelNote(modelPath, model.Description)}");
            table.WriteLine($"# {EvaluationRun.ClassifierNote(Path.GetRelativePath(Environment.CurrentDirectory, classifierPath), aboutClassifier)}");   // no machine paths in stored files
            table.WriteLine($"# timing: {timing}");
            table.WriteLine($"# reference: all {test.Count} images of {test.Name}; seed {seed}" +
                (conditional ? $"; class i mod {model.ClassCount} asked for image i, guidance " +
                    string.Join(", ", guidances.Select(g => g.ToString("G3", CultureInfo.InvariantCulture))) : ""));
            table.WriteLine(EvaluationRun.Header);
        }
        else
            table.WriteLine($"# resumed after {stored.Rows.Count} rows, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {timing}");
        table.Flush();
        double[]? realSpread = conditional ? SampleEvaluation.WithinClassSpread(classifier, testImages, test.Labels) : null;   // once, for every row
        var rows = new List<EvaluationRow>(stored?.Rows ?? []);
        void Row(string sampler, string spec, int steps, Tensor images, Tensor labels, double secondsPerImage, int draw, double? guidance)
        {
            double? accuracy = conditional ? SampleEvaluation.PerClassAccuracy(classifier, images, labels).Where(double.IsFinite).Average() : null;
            double? spread = conditional
                ? SampleEvaluation.SpreadRelativeToReal(SampleEvaluation.WithinClassSpread(classifier, images, labels), realSpread!)
                : null;
            var row = new EvaluationRow(sampler, spec, steps, distance.To(images), accuracy, spread, secondsPerImage, (int)images.shape[0], draw,
                guidance);
            rows.Add(row);
            string line = row.ToCsv();
            table.WriteLine(line);
            table.Flush();
            Console.WriteLine(line);
        }
        using var trainImages = ImageDataset.ToModelRange(train.Images);                        // [K N, C, H, W]
        using var asked = arange(samples, dtype: ScalarType.Int64) % Math.Max(model.ClassCount, 1);           // [N] class i mod K
        Func<int, int, ModelOutput> ForBatch(double? guidance) => (first, size) => guidance is double scale
            ? model.Guided(asked.narrow(0, first, size).to(device), scale)
            : model.Output;
        for (int index = rows.Count; index < plan.Count; index++)
        {
            var (draw, samplerIndex, guidance) = plan[index];
            if (samplerIndex is not int i)
            {
                int first = (draw - 1) * samples;
                using var realImages = trainImages.narrow(0, first, samples);                     // [N, C, H, W]: this draw's floor
                using var realLabels = train.Labels.narrow(0, first, samples);
                Row(EvaluationRow.FloorName, "", 0, realImages, realLabels, 0, draw, guidance: null);
                continue;
            }
            var (spec, sampler) = (samplers[i], sampling[i]);
            string note = (scales.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" at guidance {guidance:G3}") : "")
                + (repeats > 1 ? $" (draw {draw}/{repeats})" : "");
            var progress = new ImmediateProgress<int>(done => Console.Write($"\r{spec}{note}: {done}/{samples} images "));
            using var generator = new Generator((ulong)seed * RowSeedStride + (ulong)index);
            var (images, secondsPerImage) = sampler.Generate(ForBatch(guidance), samples, batch, model.ImageShape, generator, device, progress);
            Console.WriteLine();
            using (images)
                Row(spec.Name, spec.Text, sampler.Timesteps.Count, images, asked, secondsPerImage, draw, guidance);
        }
        if (repeats > 1)
        {
            var summaries = new EvaluationRun([], rows).Summaries;
            double floor = summaries.Single(s => s.IsFloor).MedianDistance;
            Console.WriteLine($"median and range of {repeats} draws of {samples} images:");
            foreach (var s in summaries)
            {
                string name = s.IsFloor ? s.Sampler : s.Spec + (s.Guidance is double g ? " s=" + g.ToString("G3", CultureInfo.InvariantCulture) : "");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-30} {s.MedianDistance,8:F2}  ({s.LowestDistance:F2} - {s.HighestDistance:F2})  {s.MedianDistance / floor,5:F2} x floor"));
            }
        }

        if (bpdImages > 0)
        {
            var bound = new VariationalBound(model.Process);
            using var x0 = testImages.narrow(0, 0, bpdImages).to(device);
            var progress = new ImmediateProgress<int>(done => Console.Write($"\rbits/dim: {done}/{model.Schedule.Steps} timesteps "));
            using var bpdGenerator = new Generator((ulong)seed * RowSeedStride + (ulong)plan.Count);          // after every row's
            var estimate = bound.Evaluate(model.Output, x0, bpdGenerator, progress: progress);
            Console.WriteLine();
            using var bitsPerDim = estimate.BitsPerDim.to_type(ScalarType.Float64);                     // [N]
            double mean = bitsPerDim.mean().item<double>(), standardError = bitsPerDim.std().item<double>() / Math.Sqrt(bpdImages);
            string line = string.Create(CultureInfo.InvariantCulture, $"variational bound on {bpdImages} test images: {mean:F3} +- {standardError:F3} bits/dim");
            table.WriteLine($"# {line}");
            Console.WriteLine(line);
        }
        Console.WriteLine($"table: {output}");
        return 0;
    }

    /// <summary>One row of a run: draw <paramref name="Draw"/>'s floor (no sampler) or sampler i's images at a guidance scale.</summary>
    private sealed record PlannedRow(int Draw, int? Sampler, double? Guidance);
}
