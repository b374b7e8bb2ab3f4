using ComfyMonitor.ComfyApi.Imaging;
using SkiaSharp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>What Pillow does for /view: re-encoding as WebP or JPEG, the colour or alpha channel as PNG, the guessed media type.</summary>
internal static class PreviewImage
{
    /// <summary>Python's mimetypes for the files a ComfyUI server holds; HTML, JS and CSS are forced to download.</summary>
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".webp"] = "image/webp",
        [".gif"] = "image/gif",
        [".bmp"] = "image/bmp",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain",
        [".json"] = "application/json",
        [".mp4"] = "video/mp4",
        [".webm"] = "video/webm",
        [".mp3"] = "audio/mpeg",
        [".wav"] = "audio/x-wav",
        [".flac"] = "audio/flac",
        [".glb"] = "model/gltf-binary",
    };

    public static string GuessType(string fileName) => Types.GetValueOrDefault(Path.GetExtension(fileName), "application/octet-stream");

    /// <exception cref="InvalidDataException">Not an image (Pillow's UnidentifiedImageError).</exception>
    public static byte[] Encode(byte[] file, string format, int quality, bool dropAlpha)
    {
        using var bitmap = Decode(file);
        if (dropAlpha)
        {
            for (var y = 0; y < bitmap.Height; y++)
            {
                for (var x = 0; x < bitmap.Width; x++)
                {
                    bitmap.SetPixel(x, y, bitmap.GetPixel(x, y).WithAlpha(255));
                }
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format == "jpeg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Webp, Math.Clamp(quality, 0, 100));
        return data.ToArray();
    }

    /// <summary>channel=rgb: an RGB PNG of the colour; channel=a: an RGBA PNG, black, with the source's alpha (255 without one).</summary>
    public static byte[] Channel(byte[] file, string channel)
    {
        using var bitmap = Decode(file);
        var hasAlpha = Png.IsPng(file) ? Png.Decode(file).HasAlpha : bitmap.AlphaType != SKAlphaType.Opaque;
        var result = new RgbaImage(bitmap.Width, bitmap.Height);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                result[x, y] = channel == "rgb" ? (p.Red, p.Green, p.Blue, (byte)255) : ((byte)0, (byte)0, (byte)0, hasAlpha ? p.Alpha : (byte)255);
            }
        }

        return Png.Encode(result, withAlpha: channel != "rgb");
    }

    private static SKBitmap Decode(byte[] file)
    {
        using var codec = SKCodec.Create(new MemoryStream(file)) ?? throw new InvalidDataException("cannot identify image file");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            bitmap.Dispose();
            throw new InvalidDataException("cannot identify image file");
        }

        return bitmap;
    }
}
