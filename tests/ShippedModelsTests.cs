using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Evaluation;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The shipped flow model (lesson 11) is what its name says, and its stored evaluation measured this file.</summary>
public class ShippedModelsTests
{
    [Fact]
    public void The_flow_model_predicts_velocity_on_the_straight_path_and_its_three_draws_are_stored()
    {
        string path = Path.Combine(RepoPaths.Root, "models", ShippedModels.FlowFile);
        var model = TrainedModel.Load(path, CPU);
        var ddpm = TrainedModel.Load(Path.Combine(RepoPaths.Root, "models", ShippedModels.UnconditionalFile), CPU);
        using (model.Network)
        using (ddpm.Network)
        {
            Assert.Equal(ScheduleKind.RectifiedFlow, model.Schedule.Kind);
            Assert.Equal(PredictionTarget.FlowVelocity, model.Target);
            Assert.Equal(TimestepDistribution.LogitNormal, model.Info.Training.Timesteps);
            Assert.Equal(FashionMnist.ImageShape, model.ImageShape);
            Assert.Equal(ddpm.Info.Steps * ddpm.Info.Training.BatchSize,                // as many images as the DDPM model
                model.Info.Steps * model.Info.Training.BatchSize);
        }
        var run = EvaluationRun.Read(Path.ChangeExtension(path, ".evaluation.csv"));
        Assert.True(run.IsOf(model.Description));
        Assert.Equal(3, run.Draws);
    }
}
