namespace Diffusion.Models;

/// <summary>
/// Everything that shapes a <see cref="UNet"/>, as one immutable record. Vary it with <c>with { }</c>:
/// <c>UNetConfig.Small with { NumClasses = 10 }</c>.
/// </summary>
public sealed record UNetConfig
{
    /// <summary>Channels of the images (1 for Fashion-MNIST, 3 for colour).</summary>
    public int ImageChannels { get; init; } = 1;

    /// <summary>Channels after the first convolution; level i has BaseChannels * ChannelMultipliers[i].</summary>
    public int BaseChannels { get; init; } = 32;

    /// <summary>One entry per resolution level; the image is halved between levels (28 -> 14 -> 7).</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>Residual blocks per level on the way down (the way up has one more, for the extra skip).</summary>
    public int ResBlocksPerLevel { get; init; } = 1;

    /// <summary>Levels (0 = full resolution) whose blocks are followed by self-attention; attention is costly at high resolution.</summary>
    public IReadOnlyList<int> AttentionLevels { get; init; } = [2];

    /// <summary>Heads of each self-attention layer; the level's channels must divide by it.</summary>
    public int AttentionHeads { get; init; } = 4;

    /// <summary>Groups of every GroupNorm (Wu and He 2018); every channel count must divide by it.</summary>
    public int NormGroups { get; init; } = 8;

    /// <summary>Dropout inside residual blocks (Ho et al. used 0.1 on CIFAR-10).</summary>
    public double Dropout { get; init; } = 0.0;

    /// <summary>True: the time embedding scales and shifts the normalised features (Nichol and Dhariwal 2021); false: it is added.</summary>
    public bool ScaleShift { get; init; } = true;

    /// <summary>0 for an unconditional model; else the number of classes, plus one learned "null" class (index NumClasses) for guidance.</summary>
    public int NumClasses { get; init; } = 0;

    /// <summary>
    /// A model that trains on 2 CPU cores: about 1 M parameters, one residual block per level, attention only at 7 x 7.
    /// Measured here: about 120 training images/s at batch 128 (an epoch of Fashion-MNIST in about 8 minutes); two
    /// blocks per level train 4 times slower.
    /// </summary>
    public static UNetConfig Small => new();

    /// <summary>A bigger model for a GPU: about 28 M parameters, attention at 14 x 14 and 7 x 7.</summary>
    public static UNetConfig Large => new()
    {
        BaseChannels = 128,
        ChannelMultipliers = [1, 2, 2],
        ResBlocksPerLevel = 2,
        AttentionLevels = [1, 2],
        NormGroups = 32,
        Dropout = 0.1,
    };

    /// <summary>A very small model for tests and quick mode.</summary>
    public static UNetConfig Tiny => new()
    {
        BaseChannels = 16,
        ChannelMultipliers = [1, 2],
        ResBlocksPerLevel = 1,
        AttentionLevels = [1],
        AttentionHeads = 2,
        NormGroups = 4,
    };

    /// <summary>The configuration a preset names.</summary>
    public static UNetConfig FromPreset(ModelPreset preset) => preset switch
    {
        ModelPreset.Tiny => Tiny,
        ModelPreset.Small => Small,
        ModelPreset.Large => Large,
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset."),
    };

    /// <summary>Dimension of the time (and class) embedding vector fed to every block.</summary>
    public int EmbeddingDim => 4 * BaseChannels;

    /// <summary>Throws ArgumentException naming the first setting that cannot work.</summary>
    public void Validate()
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok) throw new ArgumentException(message, name);
        }
        Require(ImageChannels >= 1, nameof(ImageChannels), "Need at least one image channel.");
        Require(BaseChannels >= 1, nameof(BaseChannels), "Need at least one channel.");
        Require(ChannelMultipliers.Count >= 1 && ChannelMultipliers.All(m => m >= 1), nameof(ChannelMultipliers), "Need at least one level, each multiplier >= 1.");
        Require(ResBlocksPerLevel >= 1, nameof(ResBlocksPerLevel), "Need at least one residual block per level.");
        Require(AttentionLevels.All(l => l >= 0 && l < ChannelMultipliers.Count), nameof(AttentionLevels), "Attention levels must be valid level indices.");
        Require(NormGroups >= 1 && ChannelMultipliers.All(m => BaseChannels * m % NormGroups == 0), nameof(NormGroups),
            $"Every level's channel count must divide by NormGroups ({NormGroups}).");
        Require(AttentionHeads >= 1 && AttentionLevels.All(l => BaseChannels * ChannelMultipliers[l] % AttentionHeads == 0), nameof(AttentionHeads),
            "Every attention level's channel count must divide by AttentionHeads.");
        Require(Dropout >= 0 && Dropout < 1, nameof(Dropout), "Dropout must lie in [0, 1).");
        Require(NumClasses >= 0, nameof(NumClasses), "NumClasses must be 0 (unconditional) or positive.");
    }
}
