namespace Diffusion.Ddpm;

/// <summary>What the network is trained to output. All four carry the same information given x_t and t.</summary>
public enum PredictionTarget
{
    /// <summary>The noise eps that was added (Ho et al. 2020, eq. 11): the DDPM default.</summary>
    Epsilon,
    /// <summary>The clean image x_0 itself.</summary>
    X0,
    /// <summary>The velocity v = sqrt(abar) eps - sqrt(1 - abar) x_0 (Salimans and Ho 2022).</summary>
    Velocity,
    /// <summary>The flow velocity u = eps - x_0, dx_t/dt on the rectified flow's straight path (Liu et al. 2023; Lipman et al. 2023).</summary>
    FlowVelocity,
}
