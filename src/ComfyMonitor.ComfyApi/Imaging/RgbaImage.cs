namespace ComfyMonitor.ComfyApi.Imaging;

/// <summary>An 8-bit RGBA image, row-major, four bytes a pixel.</summary>
public sealed class RgbaImage
{
    public RgbaImage(int width, int height, byte[]? pixels = null, bool hasAlpha = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = pixels ?? new byte[checked(width * height * 4)];
        if (Pixels.Length != width * height * 4)
        {
            throw new ArgumentException("The pixel buffer does not match the size.", nameof(pixels));
        }

        HasAlpha = hasAlpha;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    /// <summary>Whether the image carries an alpha channel (an RGB PNG decodes with alpha 255 and this false).</summary>
    public bool HasAlpha { get; }

    public (byte R, byte G, byte B, byte A) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 4;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2], Pixels[i + 3]);
        }

        set
        {
            var i = ((y * Width) + x) * 4;
            Pixels[i] = value.R;
            Pixels[i + 1] = value.G;
            Pixels[i + 2] = value.B;
            Pixels[i + 3] = value.A;
        }
    }

    /// <summary>The mean of each of R, G and B over all pixels, 0..255.</summary>
    public (double R, double G, double B) MeanColor()
    {
        double r = 0, g = 0, b = 0;
        for (var i = 0; i < Pixels.Length; i += 4)
        {
            r += Pixels[i];
            g += Pixels[i + 1];
            b += Pixels[i + 2];
        }

        var n = (double)Width * Height;
        return (r / n, g / n, b / n);
    }
}
