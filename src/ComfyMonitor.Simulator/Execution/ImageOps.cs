using ComfyMonitor.ComfyApi.Imaging;

namespace ComfyMonitor.Simulator.Execution;

/// <summary>The image nodes the canaries use, computed in float32 like ComfyUI's torch code.</summary>
public static class ImageOps
{
    public static ImageBatch EmptyImage(int width, int height, int batch, long color) =>
        ImageBatch.Filled(width, height, batch,
            (float)(((color >> 16) & 0xFF) / 255.0),
            (float)(((color >> 8) & 0xFF) / 255.0),
            (float)((color & 0xFF) / 255.0));

    /// <summary>LoadImage: RGB / 255, and MASK = 1 - alpha / 255 (zeros 64×64 without alpha).</summary>
    /// <param name="path">The file's path as the server names it in errors.</param>
    public static (ImageBatch Image, MaskBatch Mask) LoadImage(byte[] file, string path)
    {
        var png = Decode(file, path);
        var rgb = new float[png.Width * png.Height * 3];
        var mask = new float[png.Width * png.Height];
        for (var i = 0; i < png.Width * png.Height; i++)
        {
            rgb[i * 3] = png.Pixels[i * 4] / 255.0f;
            rgb[(i * 3) + 1] = png.Pixels[(i * 4) + 1] / 255.0f;
            rgb[(i * 3) + 2] = png.Pixels[(i * 4) + 2] / 255.0f;
            mask[i] = 1.0f - (png.Pixels[(i * 4) + 3] / 255.0f);
        }

        var maskBatch = png.HasAlpha ? new MaskBatch(png.Width, png.Height, [mask]) : new MaskBatch(64, 64, [new float[64 * 64]]);
        return (new ImageBatch(png.Width, png.Height, [rgb]), maskBatch);
    }

    /// <summary>LoadImageMask: the channel / 255; for alpha, 1 - alpha / 255.</summary>
    public static MaskBatch LoadImageMask(byte[] file, string path, string channel)
    {
        var png = Decode(file, path);
        var offset = channel switch { "red" => 0, "green" => 1, "blue" => 2, _ => 3 };
        var plane = new float[png.Width * png.Height];
        for (var i = 0; i < plane.Length; i++)
        {
            var v = png.Pixels[(i * 4) + offset] / 255.0f;
            plane[i] = offset == 3 ? 1.0f - v : v;
        }

        return new MaskBatch(png.Width, png.Height, [plane]);
    }

    public static ImageBatch Invert(ImageBatch image) =>
        new(image.Width, image.Height, image.Frames.Select(f => f.Select(v => 1.0f - v).ToArray()).ToList());

    public static ImageBatch MaskToImage(MaskBatch mask) =>
        new(mask.Width, mask.Height, mask.Planes.Select(p =>
        {
            var f = new float[p.Length * 3];
            for (var i = 0; i < p.Length; i++)
            {
                f[i * 3] = f[(i * 3) + 1] = f[(i * 3) + 2] = p[i];
            }

            return f;
        }).ToList());

    /// <summary>ImageCompositeMasked: destination where mask is 0, source where it is 1, at (x, y).</summary>
    public static ImageBatch CompositeMasked(ImageBatch destination, ImageBatch source, int x, int y, bool resizeSource, MaskBatch? mask)
    {
        var (sw, sh) = resizeSource ? (destination.Width, destination.Height) : (source.Width, source.Height);
        var frames = new List<float[]>();
        for (var n = 0; n < destination.Frames.Count; n++)
        {
            var dst = (float[])destination.Frames[n].Clone();
            var src = source.Frames[n % source.Frames.Count];
            if (resizeSource)
            {
                src = Resize(src, source.Width, source.Height, 3, sw, sh);
            }

            var m = mask is null ? null : Resize(mask.Planes[n % mask.Planes.Count], mask.Width, mask.Height, 1, sw, sh);
            x = Math.Clamp(x, 0, destination.Width);
            y = Math.Clamp(y, 0, destination.Height);
            var visibleW = Math.Min(sw, destination.Width - x);
            var visibleH = Math.Min(sh, destination.Height - y);
            for (var row = 0; row < visibleH; row++)
            {
                for (var col = 0; col < visibleW; col++)
                {
                    var mv = m is null ? 1.0f : m[(row * sw) + col];
                    for (var c = 0; c < 3; c++)
                    {
                        var di = ((((row + y) * destination.Width) + col + x) * 3) + c;
                        dst[di] = (mv * src[(((row * sw) + col) * 3) + c]) + ((1.0f - mv) * dst[di]);
                    }
                }
            }

            frames.Add(dst);
        }

        return new ImageBatch(destination.Width, destination.Height, frames);
    }

    /// <summary>SaveImage/PreviewImage: <c>clip(255 * i, 0, 255).astype(uint8)</c> (truncation), as PNG.</summary>
    /// <param name="text">The PNG text chunks SaveImage writes: "prompt" and one per extra_pnginfo key (the workflow).</param>
    public static byte[] ToPng(ImageBatch image, int frame, bool corrupt = false, IReadOnlyList<(string, string)>? text = null)
    {
        var f = image.Frames[frame];
        var rgba = new RgbaImage(image.Width, image.Height, hasAlpha: false);
        for (var i = 0; i < image.Width * image.Height; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = (byte)Math.Clamp(255.0f * f[(i * 3) + c], 0f, 255f);
                rgba.Pixels[(i * 4) + c] = corrupt ? (byte)(v ^ 0x5A) : v;
            }

            rgba.Pixels[(i * 4) + 3] = 255;
        }

        return Png.Encode(rgba, withAlpha: false, text);
    }

    /// <summary>Bilinear resize with align_corners=False, as torch.nn.functional.interpolate.</summary>
    private static float[] Resize(float[] src, int w, int h, int channels, int nw, int nh)
    {
        if (w == nw && h == nh)
        {
            return src;
        }

        var dst = new float[nw * nh * channels];
        var sx = (float)w / nw;
        var sy = (float)h / nh;
        for (var y = 0; y < nh; y++)
        {
            var fy = Math.Max(0, ((y + 0.5f) * sy) - 0.5f);
            var y0 = Math.Min((int)fy, h - 1);
            var y1 = Math.Min(y0 + 1, h - 1);
            var wy = fy - y0;
            for (var x = 0; x < nw; x++)
            {
                var fx = Math.Max(0, ((x + 0.5f) * sx) - 0.5f);
                var x0 = Math.Min((int)fx, w - 1);
                var x1 = Math.Min(x0 + 1, w - 1);
                var wx = fx - x0;
                for (var c = 0; c < channels; c++)
                {
                    var top = (src[(((y0 * w) + x0) * channels) + c] * (1 - wx)) + (src[(((y0 * w) + x1) * channels) + c] * wx);
                    var bottom = (src[(((y1 * w) + x0) * channels) + c] * (1 - wx)) + (src[(((y1 * w) + x1) * channels) + c] * wx);
                    dst[(((y * nw) + x) * channels) + c] = (top * (1 - wy)) + (bottom * wy);
                }
            }
        }

        return dst;
    }

    private static RgbaImage Decode(byte[] file, string path)
    {
        try
        {
            return Png.Decode(file);
        }
        catch (InvalidDataException)
        {
            throw new NodeExecutionException("PIL.UnidentifiedImageError", $"cannot identify image file {Py.Quote(path)}\n");
        }
    }
}
