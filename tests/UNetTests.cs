using Diffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class UNetTests
{
    private static UNet Tiny(int seed = 0, UNetConfig? config = null)
    {
        manual_seed(seed);                                                    // parameter init only; tests own their seeds
        return new UNet(config ?? UNetConfig.Tiny);
    }

    [Theory]
    [InlineData(1, 28)]
    [InlineData(3, 28)]
    [InlineData(2, 32)]
    [InlineData(1, 17)]
    public void Output_shape_equals_input_shape(int batch, int size)
    {
        using var model = Tiny();
        model.eval();
        using var x = randn(batch, 1, size, size);
        using var y = model.forward(x, full(batch, 10L));
        Assert.Equal([batch, 1L, size, size], y.shape);
    }

    [Fact]
    public void Presets_have_pinned_parameter_counts()
    {
        using var small = new UNet(UNetConfig.Small);
        using var large = new UNet(UNetConfig.Large);
        using var tiny = new UNet(UNetConfig.Tiny);
        Assert.Equal(SmallParameters, small.ParameterCount());
        Assert.Equal(LargeParameters, large.ParameterCount());
        Assert.Equal(TinyParameters, tiny.ParameterCount());
    }

    [Fact]
    public void Gradients_reach_every_parameter()
    {
        using var model = Tiny(config: UNetConfig.Tiny with { NumClasses = 3 });
        var generator = new Generator(1);
        using var x = randn([4, 1, 28, 28], generator: generator);
        using var y = model.forward(x, tensor(new long[] { 0, 10, 500, 999 }), tensor(new long[] { 0, 1, 2, 3 }));
        using var loss = y.square().mean();
        loss.backward();
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"no gradient reaches {name}");
        }
    }

    /// <summary>The same network evaluated in float64 is the reference for every gradient of the float32 one.</summary>
    [Fact]
    public void Gradients_match_a_float64_evaluation_of_the_same_network()
    {
        using var temp = new TempFolder();
        using var model = Tiny(seed: 6);
        model.save(temp.File("tiny.bin"));
        using var reference = Tiny(seed: 99);
        reference.load(temp.File("tiny.bin"));
        reference.to(ScalarType.Float64);

        var generator = new Generator(7);
        using var x = randn([4, 1, 28, 28], generator: generator);
        using var t = tensor(new long[] { 0, 10, 500, 999 });
        model.forward(x, t).square().mean().backward();
        reference.forward(x.to_type(ScalarType.Float64), t).square().mean().backward();

        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var error = (parameter.grad!.to_type(ScalarType.Float64) - expected[name]).abs().max() / (expected[name].abs().max() + 1e-12);
            Assert.True(error.item<double>() < 1e-3, $"{name}: relative gradient error {error.item<double>()}");
        }
    }

    [Fact]
    public void Output_is_equivariant_to_batch_order()
    {
        using var model = Tiny(config: UNetConfig.Tiny with { NumClasses = 10 });
        model.eval();
        var generator = new Generator(2);
        using var x = randn([6, 1, 28, 28], generator: generator);
        using var t = randint(0, 1000, [6], generator: generator);
        using var labels = randint(0, 11, [6], generator: generator);
        using var order = tensor(new long[] { 3, 0, 5, 1, 4, 2 });
        using var direct = model.forward(x, t, labels);
        using var permuted = model.forward(x.index_select(0, order), t.index_select(0, order), labels.index_select(0, order));
        Assert.True(permuted.allclose(direct.index_select(0, order), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Save_and_load_reproduce_outputs_exactly()
    {
        using var temp = new TempFolder();
        using var original = Tiny(seed: 1);
        original.eval();
        original.save(temp.File("unet.bin"));
        using var restored = Tiny(seed: 2);
        restored.load(temp.File("unet.bin"));
        restored.eval();
        var generator = new Generator(3);
        using var x = randn([2, 1, 28, 28], generator: generator);
        using var a = original.forward(x, tensor(new long[] { 7, 700 }));
        using var b = restored.forward(x, tensor(new long[] { 7, 700 }));
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void A_tiny_unet_overfits_one_batch()
    {
        using var model = Tiny(seed: 4);
        var generator = new Generator(5);
        using var x = randn([8, 1, 28, 28], generator: generator);
        using var t = randint(0, 1000, [8], generator: generator);
        using var target = randn([8, 1, 28, 28], generator: generator);
        using var optimizer = optim.Adam(model.parameters(), lr: 2e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x, t), target);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0)
                first = last;
        }
        Assert.True(last < first / 10, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Labels_need_a_conditional_model_and_default_to_the_null_class()
    {
        using var unconditional = Tiny();
        using var x = zeros(1, 1, 28, 28);
        using var t = tensor(new long[] { 3 });
        Assert.Throws<ArgumentException>(() => unconditional.forward(x, t, tensor(new long[] { 1 })));
        Assert.Throws<InvalidOperationException>(() => unconditional.NullClass);

        using var conditional = Tiny(config: UNetConfig.Tiny with { NumClasses = 10 });
        conditional.eval();
        Assert.Equal(10, conditional.NullClass);
        using var implicitNull = conditional.forward(x, t);
        using var explicitNull = conditional.forward(x, t, tensor(new long[] { 10 }));
        Assert.True(implicitNull.eq(explicitNull).all().item<bool>());
    }

    [Theory]
    [InlineData(nameof(UNetConfig.NormGroups))]
    [InlineData(nameof(UNetConfig.AttentionLevels))]
    [InlineData(nameof(UNetConfig.Dropout))]
    public void Invalid_config_names_the_setting(string setting)
    {
        var config = setting switch
        {
            nameof(UNetConfig.NormGroups) => UNetConfig.Small with { NormGroups = 7 },
            nameof(UNetConfig.AttentionLevels) => UNetConfig.Small with { AttentionLevels = [5] },
            _ => UNetConfig.Small with { Dropout = 1.5 },
        };
        var error = Assert.Throws<ArgumentException>(() => new UNet(config));
        Assert.Equal(setting, error.ParamName);
    }

    private const long SmallParameters = 1_104_944;   // includes 15 inert padding filters of the output layer (Convolution.cs)
    private const long LargeParameters = 27_630_096;
    private const long TinyParameters = 169_760;
}

/// <summary>UNetCost against a count by hand, and the Small preset's cost as measured for the course (373 MFLOP per image).</summary>
public class UNetCostTests
{
    [Fact]
    public void Small_preset_costs_373_MFLOP_per_image_forward()
    {
        manual_seed(0);
        using var model = new UNet(UNetConfig.Small);
        double flops = UNetCost.ForwardFlopsPerImage(model, [1, 28, 28]);
        Assert.InRange(flops / 1e6, 365, 380);
    }

    [Fact]
    public void Cost_scales_with_resolution_as_the_formula_says()
    {
        // Tiny at 8 x 8: every term is 2 x weights x output pixels, so doubling the side quadruples all but the
        // embeddings (per image) and attention (quadratic in pixels: 16 times).
        manual_seed(0);
        using var model = new UNet(UNetConfig.Tiny);
        double small = UNetCost.ForwardFlopsPerImage(model, [1, 8, 8]);
        double large = UNetCost.ForwardFlopsPerImage(model, [1, 16, 16]);
        double embeddings = model.named_modules().Where(m => m.module is TorchSharp.Modules.Linear)
            .Sum(m => 2.0 * ((TorchSharp.Modules.Linear)m.module).weight!.numel());
        int attentionBlocks = model.named_modules().Count(m => m.module is SelfAttention);        // level 1 and the middle: 4 x 4 pixels, 32 channels
        Assert.Equal(4, attentionBlocks);
        double attention8 = attentionBlocks * 4.0 * 16 * 16 * 32;
        double convolutions8 = small - embeddings - attention8;
        Assert.Equal(embeddings + 4 * convolutions8 + 16 * attention8, large, 1e-6 * large);
    }
}

public class NormalizationTests
{
    [Fact]
    public void Group_norm_starts_as_the_identity_affine_map()
    {
        for (int i = 0; i < 5; i++)                     // uninitialised memory differs between allocations
        {
            using var norm = Diffusion.Models.Normalization.Group(4, 16);
            Assert.True(norm.weight!.eq(1).all().item<bool>());
            Assert.True(norm.bias!.eq(0).all().item<bool>());
        }
    }
}
