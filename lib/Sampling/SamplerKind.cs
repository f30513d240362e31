namespace Diffusion.Sampling;

/// <summary>
/// Every sampler the library has, each tagged with its class, its name in a spec string and its display name
/// (<see cref="SamplerAttribute"/>). Adding a sampler means one new class deriving from <see cref="Sampler"/> and one value
/// here; <see cref="SamplerSpec"/> parses, names and creates it from the tag.
/// </summary>
public enum SamplerKind
{
    /// <summary>Ancestral sampling, Ho et al. 2020; always all T steps.</summary>
    [Sampler(typeof(DdpmSampler), "ddpm", "DDPM")]
    Ddpm,

    /// <summary>DDIM, Song et al. 2021, with its eta.</summary>
    [Sampler(typeof(DdimSampler), "ddim", "DDIM")]
    Ddim,

    /// <summary>DPM-Solver++(2M), Lu et al. 2022.</summary>
    [Sampler(typeof(DpmSolverSampler), "dpm", "DPM-Solver++(2M)")]
    DpmSolver,

    /// <summary>Euler's method on the rectified flow's ODE (Liu et al. 2023); flow models only.</summary>
    [Sampler(typeof(EulerSampler), "euler", "Euler")]
    Euler,

    /// <summary>Heun's method on the rectified flow's ODE (Karras et al. 2022, Algorithm 1); flow models only.</summary>
    [Sampler(typeof(HeunSampler), "heun", "Heun")]
    Heun,
}
