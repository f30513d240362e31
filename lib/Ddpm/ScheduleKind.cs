namespace Diffusion.Ddpm;

/// <summary>The families of noise schedules the course compares (lesson 01; the rectified flow in lesson 11).</summary>
public enum ScheduleKind
{
    /// <summary>Betas evenly spaced from 1e-4 to 0.02 (Ho et al. 2020, sec. 4).</summary>
    Linear,
    /// <summary>alpha-bar follows a squared cosine (Nichol and Dhariwal 2021, eq. 17).</summary>
    Cosine,
    /// <summary>Betas follow a sigmoid between the two ends (Xu et al. 2022, GeoDiff).</summary>
    Sigmoid,
    /// <summary>Square roots of the betas evenly spaced, 0.00085 to 0.012 (Rombach et al. 2022, Stable Diffusion).</summary>
    ScaledLinear,
    /// <summary>The straight path x_t = (1 - t) x_0 + t eps of flow matching (Liu et al. 2023; Lipman et al. 2023).</summary>
    RectifiedFlow,
}
