using System.Globalization;
using ComfyMonitor.Testing;

namespace ComfyMonitor.Benchmarks;

/// <summary>Cumulative Prometheus histogram buckets, and quantiles as histogram_quantile computes them.</summary>
internal sealed class Histogram(SortedDictionary<double, double> buckets)
{
    public SortedDictionary<double, double> Buckets { get; } = buckets;

    /// <summary>The buckets of <paramref name="name"/>, summed over every series (every instance and endpoint).</summary>
    public static Histogram Of(PrometheusText exposition, string name)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var sample in exposition.Named(name + "_bucket"))
        {
            var le = sample.Labels["le"];
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            buckets[bound] = buckets.GetValueOrDefault(bound) + sample.Value;
        }

        return new Histogram(buckets);
    }

    public Histogram Minus(Histogram earlier) =>
        new(new SortedDictionary<double, double>(Buckets.ToDictionary(b => b.Key, b => b.Value - earlier.Buckets.GetValueOrDefault(b.Key))));

    public double Count => Buckets.Count == 0 ? 0 : Buckets.Last().Value;

    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = q * Count;
        var previousBound = 0.0;
        var previousCount = 0.0;
        foreach (var (bound, count) in Buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return previousBound;
                }

                return previousBound + ((bound - previousBound) * (rank - previousCount) / Math.Max(1e-9, count - previousCount));
            }

            previousBound = bound;
            previousCount = count;
        }

        return previousBound;
    }
}
