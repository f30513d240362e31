using System.Text.Json;
using Diffusion.Models;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// Starts a class-conditional UNet from a trained unconditional one with the same architecture: every weight is copied
/// and the new class embedding is set to zero, so before any training the conditional model predicts exactly what the
/// unconditional one does, for every label. Training then only has to learn what the labels add (fine-tuning), which
/// takes far fewer steps than learning to denoise from scratch.
/// </summary>
public static class WarmStart
{
    public static void FromUnconditional(UNet conditional, UNet unconditional)
    {
        if (conditional.Config.NumClasses == 0)
            throw new ArgumentException("The model to start is unconditional; use it as it is.", nameof(conditional));
        static string Architecture(UNet model) => JsonSerializer.Serialize(model.Config with { NumClasses = 0 });   // lists compare by value
        if (Architecture(conditional) != Architecture(unconditional))
            throw new ArgumentException("The two models differ in more than NumClasses; weights cannot be copied.", nameof(unconditional));
        var source = unconditional.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, target) in conditional.state_dict())
        {
            if (source.TryGetValue(name, out var weights))
                target.copy_(weights);
            else if (name.StartsWith("classes.", StringComparison.Ordinal))
                target.zero_();                                                                // no class signal yet
            else
                throw new InvalidOperationException($"No weights for '{name}' in the unconditional model.");
        }
    }
}
