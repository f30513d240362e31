using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Models;
using Diffusion.Storage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// Trains a <see cref="UNet"/> with the DDPM objective (Ho et al. 2020, Algorithm 1):
///
///   1. take clean images x_0 from the data
///   2. pick t from all T steps, one per image: uniformly, or as the config's <see cref="TimestepDistribution"/> says
///   3. draw eps ~ N(0, I) and make x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps in one go (eq. 4)
///   4. the network predicts eps (or x_0, or v) from x_t and t
///   5. take a gradient step on the mean squared error (eq. 14), optionally Min-SNR weighted (<see cref="DiffusionLoss"/>)
///
/// around which it keeps what a real run needs: AdamW with warmup, gradient clipping, an EMA of the weights, two seeded
/// generators (one for the data order, one for t and eps), and checkpoints from which training resumes exactly.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly Generator _dataGenerator;
    private readonly Generator _noiseGenerator;
    private byte[] _dataStateAtEpochStart;
    private int? _dataCount;                                                                 // images Fit has been training on

    /// <param name="model">A freshly initialised (or pretrained) network; the trainer updates it in place.</param>
    /// <param name="seed">Seeds the data order and the noise; the model's initial weights are the caller's business.</param>
    public Trainer(UNet model, TrainingConfig config, Device device, long seed)
    {
        config.Validate();
        Config = config;
        Device = device;
        Process = config.Process();
        Model = model.to(device);
        Ema = new UNet(model.Config).to(device);
        ExponentialMovingAverage.CopyInto(Ema, Model);
        Ema.eval();
        _optimizer = optim.AdamW(Model.parameters(), lr: config.LearningRate, weight_decay: config.WeightDecay);
        _dataGenerator = new Generator((ulong)seed);
        _noiseGenerator = new Generator((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        _dataStateAtEpochStart = GeneratorState(_dataGenerator);
    }

    public TrainingConfig Config { get; }
    public Device Device { get; }

    /// <summary>The process the network trains on (<see cref="TrainingConfig.Process"/>): schedule, target and loss.</summary>
    public DiffusionProcess Process { get; }

    public NoiseSchedule Schedule => Process.Schedule;
    public UNet Model { get; }

    /// <summary>The exponential moving average of the weights: the model to sample from.</summary>
    public UNet Ema { get; }

    /// <summary>Optimisation steps done so far.</summary>
    public long Step { get; private set; }

    /// <summary>Where in the data the next batch comes from: epoch and batch index within it.</summary>
    public (int Epoch, int Batch) Position { get; private set; }

    /// <summary>The learning rate at a step (<see cref="TrainingConfig.LearningRateAt"/>).</summary>
    public double LearningRateAt(long step) => Config.LearningRateAt(step);

    /// <summary>Wall time spent in <see cref="Fit"/> over all sittings of this run (kept in the checkpoint).</summary>
    public TimeSpan TrainingTime { get; private set; }

    /// <summary>Images the network has been trained on so far (steps times batch size).</summary>
    public long ImagesSeen => Step * Config.BatchSize;

    /// <summary>The loss this trainer minimises: <see cref="Config"/>'s target and weighting on its schedule.</summary>
    public DiffusionLoss Loss => Process.Loss;

    /// <summary>What <see cref="Fit"/> trains on (kept in the checkpoint); null until it first runs.</summary>
    public TrainingData? Data { get; private set; }

    /// <summary>One optimisation step on a batch of clean images x_0 [B, C, H, W] in [-1, 1] (labels [B] for conditional models).</summary>
    public StepResult TrainStep(Tensor x0, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var t = Config.Timesteps.Draw(Schedule.Steps, x0.shape[0], _noiseGenerator).to(Device);             // [B]   step 2
        var eps = randn(x0.shape, generator: _noiseGenerator).to(Device);                                    // [B, C, H, W]
        return TrainStep(x0, t, eps, labels);
    }

    /// <summary>
    /// One optimisation step with the timesteps t [B] and noise eps [B, C, H, W] given, rather than drawn from the
    /// trainer's generator: to check a hand-written step against this one on exactly the same numbers.
    /// </summary>
    public StepResult TrainStep(Tensor x0, Tensor t, Tensor eps, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        Model.train();
        var xt = Process.AddNoise(x0, eps, t);                                                              // step 3
        var prediction = Model.forward(xt, t, DropLabels(labels, x0.shape[0]));                             // step 4
        var loss = Loss.Compute(prediction, x0, eps, t);                                                    // step 5
        double lossValue = loss.item<float>();
        if (!double.IsFinite(lossValue))
            throw new TrainingDivergedException(
                $"The loss became {lossValue} at step {Step + 1}; the weights were not updated. Lower the learning rate " +
                "or resume from the last checkpoint.");

        double learningRate = LearningRateAt(Step);
        foreach (var group in _optimizer.ParamGroups)
            group.LearningRate = learningRate;
        _optimizer.zero_grad();
        loss.backward();
        double gradientNorm = nn.utils.clip_grad_norm_(Model.parameters(), Config.GradientClip);
        _optimizer.step();
        ExponentialMovingAverage.Update(Ema, Model, ExponentialMovingAverage.DecayAt(Config.EmaDecay, Step));
        Step++;
        return new StepResult(Step, lossValue, learningRate, gradientNorm, Position.Epoch);
    }

    /// <summary>
    /// Trains until <paramref name="totalSteps"/> steps are done, in passes over the data in a fresh random order each,
    /// saving a checkpoint every <paramref name="checkpointEvery"/> steps and at the end (when a path is given).
    /// Calling it on a resumed trainer continues with exactly the batches the interrupted run would have seen.
    /// </summary>
    /// <param name="cancel">Stops between two steps; the checkpoint is still written, so nothing is lost.</param>
    public void Fit(ImageDataset data, long totalSteps, Action<StepResult>? onStep = null, string? checkpointPath = null,
        int checkpointEvery = 500, CancellationToken cancel = default)
    {
        if (checkpointEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(checkpointEvery), checkpointEvery, "Must be at least 1.");
        if (_dataCount is int seen && seen != data.Count)
            throw new ArgumentException($"This run trained on {seen} images and would continue on {data.Count}: resume it on the same data " +
                "(the same --max-images), or the batch order it continues with would not be the one it started.", nameof(data));
        var described = TrainingData.Of(data);
        if (Data is not null && !Data.Equals(described))
            throw new ArgumentException($"This run trained on {Data} and would continue on {described}.", nameof(data));
        _dataCount = data.Count;
        Data = described;
        bool conditional = Model.Config.NumClasses > 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var timeBefore = TrainingTime;
        while (Step < totalSteps && !cancel.IsCancellationRequested)
        {
            _dataGenerator.set_state(Tensor(_dataStateAtEpochStart));                  // the same order after a resume
            var batches = data.ShuffledBatches(Config.BatchSize, _dataGenerator).ToList();
            if (batches.Count == 0)
                throw new ArgumentException($"The dataset has {data.Count} images, fewer than one batch of {Config.BatchSize}.", nameof(data));
            for (int b = Position.Batch; b < batches.Count && Step < totalSteps && !cancel.IsCancellationRequested; b++)
            {
                StepResult result;
                using (NewDisposeScope())
                {
                    var (images, labels) = data.Batch(batches[b], Device);
                    result = TrainStep(images, conditional ? labels : null);
                }
                Position = (Position.Epoch, b + 1);
                if (Position.Batch == batches.Count)
                {
                    Position = (Position.Epoch + 1, 0);
                    _dataStateAtEpochStart = GeneratorState(_dataGenerator);
                }
                TrainingTime = timeBefore + clock.Elapsed;
                onStep?.Invoke(result);
                if (checkpointPath is not null && Step % checkpointEvery == 0)
                    SaveCheckpoint(checkpointPath);
            }
        }
        if (checkpointPath is not null)
            SaveCheckpoint(checkpointPath);
    }

    /// <summary>Writes everything needed to continue exactly: weights, EMA, optimizer moments, step, data position, generator states, configs.</summary>
    public void SaveCheckpoint(string path)
    {
        var header = new CheckpointHeader(Model.Config, Config, Step, Position.Epoch, Position.Batch, TrainingTime.TotalSeconds,
            _dataCount ?? 0, Data);
        WeightsFile.Write(path, CheckedFileKind.TrainingCheckpoint, header, writer =>
        {
            WriteBytes(writer, _dataStateAtEpochStart);
            WriteBytes(writer, GeneratorState(_noiseGenerator));
            Model.save(writer);
            Ema.save(writer);
            _optimizer.save_state_dict(writer);
        });
    }

    /// <summary>Rebuilds a trainer from a checkpoint, ready to continue where it stopped.</summary>
    public static Trainer Resume(string path, Device device) =>
        WeightsFile.Read<CheckpointHeader, Trainer>(path, CheckedFileKind.TrainingCheckpoint, (header, reader) =>
        {
            var trainer = new Trainer(new UNet(header.Model), header.Training, device, seed: 0)
            {
                Step = header.Step,
                Position = (header.Epoch, header.Batch),
                TrainingTime = TimeSpan.FromSeconds(header.Seconds),
                Data = header.Data,
                _dataCount = header.Images > 0 ? header.Images : null,
            };
            trainer._dataStateAtEpochStart = ReadBytes(reader);
            trainer._noiseGenerator.set_state(Tensor(ReadBytes(reader)));
            trainer.Model.load(reader);
            trainer.Ema.load(reader);
            trainer._optimizer.load_state_dict(reader);
            return trainer;
        });

    /// <summary>
    /// The EMA weights as a trained model (sharing the trainer's <see cref="Ema"/> network, not a copy), for sampling.
    /// It was trained on <paramref name="data"/>, by default what <see cref="Fit"/> trained on.
    /// </summary>
    /// <exception cref="InvalidOperationException">Fit has not run and no data is given: the model's images are unknown.</exception>
    public TrainedModel EmaModel(string description, TrainingData? data = null) =>
        new(Ema, new TrainedModelInfo(Config, Step, Position.Epoch, description, data ?? Data ?? throw new InvalidOperationException(
            "This trainer has not trained on any data yet (Fit has not run): say what the model is for, e.g. " +
            "TrainingData.Of(dataset) or TrainingData.FashionMnistImages.")), Process);

    /// <summary>Saves the EMA weights as a trained model (small: no optimizer state), for sampling.</summary>
    public void SaveModel(string path, string description, TrainingData? data = null) => EmaModel(description, data).Save(path);

    public void Dispose()
    {
        _optimizer.Dispose();
        Ema.Dispose();
    }

    /// <summary>Classifier-free guidance training: each label becomes the null class with probability LabelDropout.</summary>
    private Tensor? DropLabels(Tensor? labels, long batch)
    {
        if (labels is null || Config.LabelDropout == 0)
            return labels;
        var drop = rand([batch], generator: _noiseGenerator).to(Device) < Config.LabelDropout;             // [B]
        return where(drop, full_like(labels, Model.NullClass), labels);
    }

    private static byte[] GeneratorState(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private static Tensor Tensor(byte[] bytes) => tensor(bytes, dtype: ScalarType.Byte);

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());

    private sealed record CheckpointHeader(UNetConfig Model, TrainingConfig Training, long Step, int Epoch, int Batch, double Seconds = 0,
        int Images = 0, TrainingData? Data = null);
}
