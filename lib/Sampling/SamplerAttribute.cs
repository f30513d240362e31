namespace Diffusion.Sampling;

/// <summary>
/// Ties a <see cref="SamplerKind"/> value to the sampler that implements it. The class must derive from
/// <see cref="Sampler"/> and have a public constructor (NoiseSchedule, SamplerSpec) that rejects options it does not take.
/// </summary>
/// <param name="samplerType">The class, e.g. typeof(DdimSampler).</param>
/// <param name="specName">Its name in a spec string: "ddim" in "ddim:50:eta=1".</param>
/// <param name="displayName">Its name in tables and legends: "DDIM".</param>
[AttributeUsage(AttributeTargets.Field)]
public sealed class SamplerAttribute(Type samplerType, string specName, string displayName) : Attribute
{
    public Type SamplerType { get; } = samplerType;
    public string SpecName { get; } = specName;
    public string DisplayName { get; } = displayName;
}
