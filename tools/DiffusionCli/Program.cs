using DiffusionCli;

// diffusion <command> [options]; see each command's file for its options.
string usage = """
    usage: diffusion <command> [options]
      train   train a UNet on Fashion-MNIST (see TrainCommand.cs): --out DIR [--preset tiny|small|large] [--width C] --steps N | --epochs E ...
      bench   measure forward, training and sampling throughput on this machine (see BenchCommand.cs)
      classifier  train the Fashion-MNIST classifier that judges samples in lessons 08-09 (see ClassifierCommand.cs)
      showcase  the README's pictures: a denoising GIF and a grid of samples (ShowcaseCommand.cs)
      evaluate  Frechet distance (our classifier's features) and time per image for several samplers; bits/dim (EvaluateCommand.cs)
    """;
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}
Diffusion.Runtime.TorchLogging.ShowOnlyErrors();         // no screen of libtorch warnings (NNPACK on some CPUs) before the output
try
{
    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "train" => TrainCommand.Run(options),
        "bench" => BenchCommand.Run(options),
        "evaluate" => EvaluateCommand.Run(options, args),
        "classifier" => ClassifierCommand.Run(options),
        "showcase" => ShowcaseCommand.Run(options),
        _ => throw new ArgumentException($"Unknown command '{args[0]}'.\n{usage}"),
    };
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or Diffusion.Training.TrainingDivergedException)
{
    // An ArgumentException's Message ends with "(Parameter 'x')" and the value: the user needs only the sentence.
    string message = e is ArgumentException { ParamName: not null } ? e.Message.Split(" (Parameter '")[0] : e.Message;
    Console.Error.WriteLine($"error: {message}");
    return 1;
}
