namespace ComfyMonitor.ComfyApi.Imaging;

/// <summary>
/// Whether an image is blank: black (every channel's brightest pixel within a few levels of 0, what NaN latents become)
/// or one flat colour (every channel's standard deviation below one level). A dark picture with anything in it is not.
/// </summary>
public static class Blankness
{
    public const int BlackLevel = 4;
    public const double FlatDeviation = 1.0;

    public static bool IsBlank(RgbaImage image) => Of(image) is not null;

    /// <summary>Black only: every channel's brightest pixel within <see cref="BlackLevel"/> of 0 (what NaN latents become).</summary>
    public static bool IsBlack(RgbaImage image)
    {
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                if (p.R > BlackLevel || p.G > BlackLevel || p.B > BlackLevel)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Null for an image with content, else why it is blank.</summary>
    public static string? Of(RgbaImage image)
    {
        var n = (double)image.Width * image.Height;
        if (n == 0)
        {
            return "no pixels";
        }

        Span<int> max = stackalloc int[3];
        Span<double> sum = stackalloc double[3];
        Span<double> squares = stackalloc double[3];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                ReadOnlySpan<byte> c = [p.R, p.G, p.B];
                for (var i = 0; i < 3; i++)
                {
                    max[i] = Math.Max(max[i], c[i]);
                    sum[i] += c[i];
                    squares[i] += c[i] * (double)c[i];
                }
            }
        }

        if (max[0] <= BlackLevel && max[1] <= BlackLevel && max[2] <= BlackLevel)
        {
            return $"black (brightest channel value {Math.Max(max[0], Math.Max(max[1], max[2]))})";
        }

        var deviations = new double[3];
        for (var i = 0; i < 3; i++)
        {
            var mean = sum[i] / n;
            deviations[i] = Math.Sqrt(Math.Max(0, (squares[i] / n) - (mean * mean)));
        }

        return deviations.All(d => d < FlatDeviation) ? $"one flat colour (standard deviation below {FlatDeviation} level in every channel)" : null;
    }
}
