namespace Diffusion.Models;

/// <summary>The named UNet sizes (<see cref="UNetConfig.Tiny"/>, <see cref="UNetConfig.Small"/>, <see cref="UNetConfig.Large"/>).</summary>
public enum ModelPreset
{
    Tiny,
    Small,
    Large,
}
