using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// The noise-prediction network of DDPM (Ho et al. 2020, appendix B; Ronneberger et al. 2015): an encoder that halves
/// the resolution level by level, a middle at the lowest resolution, and a decoder that doubles it back, each decoder
/// block also receiving the matching encoder features (skip connections). Every residual block is told t (and the class
/// label, if any) through the embedding vector. Output has the input's shape.
///
///   x [B, C, H, W] --input conv--> [B, base, H, W] --down levels--> middle --up levels--> norm, SiLU, conv --> [B, C, H, W]
/// </summary>
public sealed class UNet : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TimeEmbedding time;
    private readonly Embedding? classes;
    private readonly nn.Module<Tensor, Tensor> input;
    private readonly ModuleList<nn.Module> down;        // UNetBlock or Downsample; every one's output is kept as a skip
    private readonly UNetBlock middle;
    private readonly ModuleList<nn.Module> up;          // UNetBlock (eats one skip) or Upsample
    private readonly GroupNorm outputNorm;
    private readonly nn.Module<Tensor, Tensor> output;

    public UNet(UNetConfig config) : base(nameof(UNet))
    {
        config.Validate();
        Config = config;
        int embeddingDim = config.EmbeddingDim;
        time = new TimeEmbedding(config.BaseChannels, embeddingDim);
        if (config.NumClasses > 0)
            classes = nn.Embedding(config.NumClasses + 1, embeddingDim);          // the last index is the null class
        input = Convolution.Create(config.ImageChannels, config.BaseChannels, 3, padding: 1);

        UNetBlock Block(int inChannels, int outChannels, int level) => new(inChannels, outChannels, embeddingDim, config,
            attention: config.AttentionLevels.Contains(level));

        // Encoder: remember the channel count of every output, the decoder concatenates them back in reverse order.
        var skipChannels = new Stack<int>([config.BaseChannels]);
        var downModules = new List<nn.Module>();
        int channels = config.BaseChannels;
        int levels = config.ChannelMultipliers.Count;
        for (int level = 0; level < levels; level++)
        {
            int levelChannels = config.BaseChannels * config.ChannelMultipliers[level];
            for (int r = 0; r < config.ResBlocksPerLevel; r++)
            {
                downModules.Add(Block(channels, levelChannels, level));
                channels = levelChannels;
                skipChannels.Push(channels);
            }
            if (level < levels - 1)
            {
                downModules.Add(new Downsample(channels));
                skipChannels.Push(channels);
            }
        }
        down = nn.ModuleList(downModules.ToArray());
        middle = new UNetBlock(channels, channels, embeddingDim, config, attention: true);

        var upModules = new List<nn.Module>();
        for (int level = levels - 1; level >= 0; level--)
        {
            int levelChannels = config.BaseChannels * config.ChannelMultipliers[level];
            for (int r = 0; r <= config.ResBlocksPerLevel; r++)
            {
                upModules.Add(Block(channels + skipChannels.Pop(), levelChannels, level));
                channels = levelChannels;
            }
            if (level > 0)
                upModules.Add(new Upsample(channels));
        }
        up = nn.ModuleList(upModules.ToArray());
        outputNorm = Normalization.Group(config.NormGroups, channels);
        output = Convolution.Create(channels, config.ImageChannels, 3, padding: 1);
        RegisterComponents();
    }

    public UNetConfig Config { get; }

    // The parts, in the order forward runs them, for a reader who wants to run them by hand (lesson 05). Properties over
    // the fields, not fields: TorchSharp registers fields, whose names are the checkpoint keys.

    /// <summary>t [B] to the embedding e [B, E] every block receives.</summary>
    public TimeEmbedding TimeEmbedding => time;

    /// <summary>The first 3x3 convolution: [B, C_image, H, W] to [B, base, H, W].</summary>
    public nn.Module<Tensor, Tensor> InputConvolution => input;

    /// <summary>The encoder: <see cref="UNetBlock"/>s (taking e) and <see cref="Downsample"/>s; every output is kept as a skip.</summary>
    public IReadOnlyList<nn.Module> Down => new System.Collections.ObjectModel.ReadOnlyCollection<nn.Module>(down);

    /// <summary>The block at the lowest resolution.</summary>
    public UNetBlock Middle => middle;

    /// <summary>The decoder: <see cref="UNetBlock"/>s (each eats the newest skip, concatenated) and <see cref="Upsample"/>s.</summary>
    public IReadOnlyList<nn.Module> Up => new System.Collections.ObjectModel.ReadOnlyCollection<nn.Module>(up);

    /// <summary>The output head: GroupNorm, SiLU, 3x3 convolution, [B, C, H, W] to [B, C_image, H, W].</summary>
    public Tensor OutputHead(Tensor h) => output.forward(nn.functional.silu(outputNorm.forward(h)));

    /// <summary>The label meaning "no class" (for classifier-free guidance); only for class-conditional models.</summary>
    public int NullClass => Config.NumClasses > 0 ? Config.NumClasses
        : throw new InvalidOperationException("This UNet is unconditional (NumClasses = 0): it has no null class.");

    /// <summary>Predicts for noisy images x [B, C, H, W] at code timesteps t [B]; a conditional model gets the null class.</summary>
    public override Tensor forward(Tensor x, Tensor t) => forward(x, t, labels: null);

    /// <summary>The blocks in the order forward runs them, with their parameter counts (for Display.ModelSummary).</summary>
    public IEnumerable<(string Name, string Kind, long Parameters)> Stages()
    {
        static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
        yield return ("time", "sinusoidal + MLP", Count(time));
        if (classes is not null)
            yield return ("classes", "embedding", Count(classes));
        yield return ("input", "conv 3x3", Count(input));
        for (int i = 0; i < down.Count; i++)
            yield return ($"down.{i}", Kind(down[i]), Count(down[i]));
        yield return ("middle", Kind(middle), Count(middle));
        for (int i = 0; i < up.Count; i++)
            yield return ($"up.{i}", Kind(up[i]), Count(up[i]));
        yield return ("output", "norm, SiLU, conv 3x3", Count(outputNorm) + Count(output));
    }

    private static string Kind(nn.Module module) => module switch
    {
        UNetBlock block => block.HasAttention ? "residual + attention" : "residual",
        Downsample => "downsample",
        Upsample => "upsample",
        _ => module.GetType().Name,
    };

    /// <param name="x">Noisy images. [B, C, H, W]</param>
    /// <param name="t">Timesteps, one per image. [B]</param>
    /// <param name="labels">Class labels [B] (0..NumClasses, NumClasses = null class), or null for none.</param>
    /// <returns>[B, C, H, W]: eps, x_0 or v, whichever it was trained to predict.</returns>
    public Tensor forward(Tensor x, Tensor t, Tensor? labels) => forward(x, t, labels, observe: null);

    /// <param name="observe">Called with each stage's name and output, in the order of <see cref="Stages"/> (for summaries).</param>
    public Tensor forward(Tensor x, Tensor t, Tensor? labels, Action<string, Tensor>? observe)
    {
        if (x.dim() != 4 || x.shape[1] != Config.ImageChannels)
            throw new ArgumentException($"Expected images [B, {Config.ImageChannels}, H, W], got [{string.Join(", ", x.shape)}].", nameof(x));
        if (t.dim() != 1 || t.shape[0] != x.shape[0])
            throw new ArgumentException($"Expected one timestep per image [{x.shape[0]}], got [{string.Join(", ", t.shape)}].", nameof(t));
        if (labels is not null && classes is null)
            throw new ArgumentException("This UNet is unconditional (NumClasses = 0) but labels were given.", nameof(labels));

        var e = time.forward(t);                                                          // [B, E]
        observe?.Invoke("time", e);
        if (classes is not null)
        {
            var c = classes.forward(labels ?? full(x.shape[0], (long)NullClass, dtype: ScalarType.Int64, device: x.device));
            observe?.Invoke("classes", c);
            e = e + c;
        }

        var h = input.forward(x);                                                         // [B, base, H, W]
        observe?.Invoke("input", h);
        var skips = new Stack<Tensor>([h]);
        for (int i = 0; i < down.Count; i++)
        {
            var module = down[i];
            var stageInput = h;
            h = Stage(() => module switch
            {
                UNetBlock block => block.forward(stageInput, e),
                Downsample downsample => downsample.forward(stageInput),                       // [B, C, H/2, W/2]
                _ => throw new InvalidOperationException(module.GetType().Name),
            });
            observe?.Invoke($"down.{i}", h);
            skips.Push(h);
        }
        var bottom = h;
        h = Stage(() => middle.forward(bottom, e));                                       // lowest resolution
        observe?.Invoke("middle", h);
        for (int i = 0; i < up.Count; i++)
        {
            var module = up[i];
            var stageInput = h;
            h = Stage(() => module switch
            {
                UNetBlock block => block.forward(cat([stageInput, skips.Pop()], dim: 1), e),  // [B, C + skip C, H, W] -> [B, C', H, W]
                Upsample upsample => upsample.forward(stageInput, [skips.Peek().shape[2], skips.Peek().shape[3]]),
                _ => throw new InvalidOperationException(module.GetType().Name),
            });
            observe?.Invoke($"up.{i}", h);
        }
        var result = OutputHead(h);                                                                 // [B, C, H, W]
        observe?.Invoke("output", result);
        return result;
    }

    /// <summary>
    /// Runs one stage in a dispose scope of its own and keeps only its output. The temporaries a block makes (normalised,
    /// activated, concatenated copies) are released as soon as the stage ends rather than when the caller's scope does;
    /// autograd still holds what the backward pass needs. Peak memory of a training step falls by about half.
    /// </summary>
    private static Tensor Stage(Func<Tensor> run)
    {
        using var scope = NewDisposeScope();
        return run().MoveToOuterDisposeScope();
    }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}

/// <summary>One block of a UNet level: a residual block, followed by self-attention at the levels that have it.</summary>
public sealed class UNetBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ResidualBlock residual;
    private readonly SelfAttention? attention;

    public bool HasAttention => attention is not null;

    public UNetBlock(int inChannels, int outChannels, int embeddingDim, UNetConfig config, bool attention) : base(nameof(UNetBlock))
    {
        residual = new ResidualBlock(inChannels, outChannels, embeddingDim, config.NormGroups, config.Dropout, config.ScaleShift);
        if (attention)
            this.attention = new SelfAttention(outChannels, config.AttentionHeads, config.NormGroups);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor e)
    {
        var h = residual.forward(x, e);
        return attention is null ? h : attention.forward(h);
    }
}
