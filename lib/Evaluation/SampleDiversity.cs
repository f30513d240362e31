using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// How different the samples of one class are from each other: the mean Euclidean distance over all pairs of distinct
/// images of that class, measured on any vector per image (flattened pixels, or a classifier's features). A model that
/// gives every request the same image scores 0; guidance trades this spread for typicality (Ho and Salimans 2022, sec. 4).
///
///   D_c = 1 / (n_c (n_c - 1)) sum_{i != j, y_i = y_j = c} || v_i - v_j ||_2
/// </summary>
public static class SampleDiversity
{
    /// <summary>D_c for each class c in 0 .. <paramref name="classCount"/> - 1; NaN for a class with fewer than two images.</summary>
    /// <param name="vectors">One vector per image, e.g. images.flatten(1) or classifier features. [N, D]</param>
    /// <param name="labels">The class of each image. [N]</param>
    public static double[] WithinClassDistance(Tensor vectors, Tensor labels, int classCount)
    {
        if (vectors.dim() != 2)
            throw new ArgumentException($"Vectors must be [N, D], not [{string.Join(", ", vectors.shape)}].", nameof(vectors));
        if (labels.dim() != 1 || labels.shape[0] != vectors.shape[0])
            throw new ArgumentException($"Need one label per vector: {vectors.shape[0]} vectors, labels [{string.Join(", ", labels.shape)}].", nameof(labels));
        using var scope = NewDisposeScope();
        var v = vectors.detach().to(ScalarType.Float64, CPU);                                  // [N, D]
        long[] y = labels.to(ScalarType.Int64, CPU).data<long>().ToArray();
        var result = new double[classCount];
        for (int c = 0; c < classCount; c++)
        {
            long[] members = Enumerable.Range(0, y.Length).Where(i => y[i] == c).Select(i => (long)i).ToArray();
            long n = members.Length;
            if (n < 2)
            {
                result[c] = double.NaN;
                continue;
            }
            var x = v.index_select(0, tensor(members));                                        // [n, D]
            var squaredNorms = x.square().sum(1);                                              // [n]
            var squared = squaredNorms.unsqueeze(1) + squaredNorms.unsqueeze(0) - 2 * x.matmul(x.T);   // ||a||^2 + ||b||^2 - 2 a.b  [n, n]
            var distances = squared.clamp_min(0).sqrt() * (1 - eye(n, dtype: ScalarType.Float64));    // exactly 0 on the diagonal
            result[c] = distances.sum().item<double>() / (n * (n - 1));
        }
        return result;
    }
}
