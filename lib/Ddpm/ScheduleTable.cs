using System.Collections;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// One per-timestep quantity of a schedule (beta_t, abar_t, ...): T values in double precision that nobody can change,
/// and the same values as a tensor on each device and dtype that asks for them, uploaded once and then reused.
/// <see cref="Gather"/> is the one helper that turns it into per-sample factors (lucidrains' <c>extract</c>).
/// </summary>
public sealed class ScheduleTable : IReadOnlyList<double>
{
    private readonly double[] _values;
    private readonly Dictionary<(DeviceType Type, int Index, ScalarType DType), Tensor> _uploaded = [];

    public ScheduleTable(IEnumerable<double> values)
    {
        _values = values.ToArray();
        if (_values.Length == 0)
            throw new ArgumentException("A schedule table needs at least one value.", nameof(values));
    }

    public double this[int t] => _values[t];

    /// <summary>T, one value per code timestep.</summary>
    public int Count => _values.Length;

    /// <summary>
    /// values[t[b]] for each sample b, shaped [B, 1, 1, ...] to broadcast against <paramref name="like"/>, in its dtype and
    /// on its device. <paramref name="t"/> is [B] or a scalar (the same timestep for the whole batch).
    /// </summary>
    public Tensor Gather(Tensor t, Tensor like)
    {
        long batch = like.shape[0];
        var table = OnDevice(like.device, like.dtype);                                           // [T]
        using var index = (t.dim() == 0 ? t.expand(batch) : t).to(ScalarType.Int64, like.device);  // [B]
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = batch;
        using var gathered = table.index_select(0, index);                                       // [B]
        return gathered.reshape(shape);                                                          // [B, 1, 1, 1]
    }

    /// <summary>The values as a tensor [T] on <paramref name="device"/> in <paramref name="dtype"/>; made once, owned by this table.</summary>
    public Tensor OnDevice(Device device, ScalarType dtype)
    {
        var key = (device.type, device.index, dtype);
        lock (_uploaded)
        {
            if (!_uploaded.TryGetValue(key, out var table))
            {
                var exact = tensor(_values, dtype: ScalarType.Float64);
                table = exact.to(dtype, device).DetachFromDisposeScope();                       // outlives any caller's scope
                if (!ReferenceEquals(table, exact))
                    exact.Dispose();
                _uploaded[key] = table;
            }
            return table;
        }
    }

    public IEnumerator<double> GetEnumerator() => ((IEnumerable<double>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
