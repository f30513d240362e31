using System.Diagnostics;
using System.Globalization;
using Diffusion.Training;

namespace Diffusion.Display;

/// <summary>
/// What a training cell shows while it runs: a progress bar with rate and time left, the loss curve (raw and smoothed)
/// and the latest sample grid. The smoothed loss is an exponential moving average with Adam's bias correction
/// (Kingma and Ba 2015, sec. 3): s_n = b s_{n-1} + (1 - b) loss_n from s_0 = 0, shown as s_n / (1 - b^n), so it follows
/// the loss from the first step instead of lagging behind its starting value. Display it once and update the display in place from the step callback:
/// <code>
/// var monitor = new TrainingMonitor(totalSteps, batchSize);
/// var view = display(monitor);                       // .NET Interactive's display handle
/// trainer.Fit(data, totalSteps, r => { monitor.Add(r); if (r.Step % 25 == 0) view.Update(monitor); });
/// </code>
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class TrainingMonitor(long totalSteps, int batchSize) : IHtmlView
{
    private readonly List<double> _steps = [];
    private readonly List<double> _losses = [];
    private readonly List<double> _smoothed = [];
    private const double Smoothing = 0.98;                                                      // b above: about the last 50 steps
    private double _average;                                                                     // s_n, before the correction
    private readonly string _liveId = "monitor-" + Guid.NewGuid().ToString("N");               // marks every state of this view
    private readonly Stopwatch _clock = new();
    private long _firstStep = -1;

    /// <summary>The latest samples to show under the chart (set it every so often), or null.</summary>
    public ImageGrid? Samples { get; set; }

    public IReadOnlyList<double> Losses => _losses;

    /// <summary>The bias-corrected moving average of the loss after each step (the "smoothed" curve).</summary>
    public IReadOnlyList<double> Smoothed => _smoothed;

    public void Add(StepResult result)
    {
        if (_firstStep < 0)
        {
            _firstStep = result.Step - 1;
            _clock.Start();
        }
        _steps.Add(result.Step);
        _losses.Add(result.Loss);
        _average = Smoothing * _average + (1 - Smoothing) * result.Loss;
        _smoothed.Add(_average / (1 - Math.Pow(Smoothing, _smoothed.Count + 1)));               // bias-corrected
    }

    public string ToHtml()
    {
        long step = _steps.Count == 0 ? 0 : (long)_steps[^1];
        double perSecond = _clock.Elapsed.TotalSeconds > 0 ? (step - _firstStep) * batchSize / _clock.Elapsed.TotalSeconds : 0;
        var left = TimeSpan.FromSeconds(perSecond > 0 ? (totalSteps - step) * batchSize / perSecond : 0);
        string status = _losses.Count == 0
            ? $"step 0 / {totalSteps} · waiting for the first step"                                // shown before training starts
            : string.Create(CultureInfo.InvariantCulture,
                $"step {step} / {totalSteps} · loss {_losses[^1]:F4} (smoothed {_smoothed[^1]:F4}) · {perSecond:F0} images/s · {left:hh\\:mm\\:ss} left");
        var chart = _steps.Count < 2 ? null : Charts.Lines("Training loss", "step", "MSE",
            new LineSeries("loss", _steps, _losses), new LineSeries("smoothed", _steps, _smoothed));
        return $"<div data-live-view=\"{_liveId}\"><progress value=\"{step}\" max=\"{totalSteps}\" style=\"width:720px\"></progress><div>{status}</div>{(chart is null ? "" : ChartPage.Fragment(chart))}{Samples?.ToHtml()}</div>";
    }
}
