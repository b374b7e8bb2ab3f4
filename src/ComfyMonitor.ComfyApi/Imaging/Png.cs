using System.Buffers.Binary;
using System.IO.Compression;

namespace ComfyMonitor.ComfyApi.Imaging;

/// <summary>
/// A small PNG codec: enough to make canary images and check the pixels ComfyUI returns. Decodes
/// non-interlaced grey, grey+alpha, RGB, RGBA (8 or 16 bit) and palette images; encodes RGB or RGBA.
/// </summary>
public static partial class Png
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Largest image accepted, in pixels, so that a hostile header cannot exhaust memory.</summary>
    public const int MaxPixels = 64 * 1024 * 1024;

    public static bool IsPng(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <param name="text">tEXt chunks (keyword, text) written after the header, as Pillow writes a PngInfo.</param>
    public static byte[] Encode(RgbaImage image, bool withAlpha = true, IReadOnlyList<(string Keyword, string Text)>? text = null)
    {
        var channels = withAlpha ? 4 : 3;
        var stride = (image.Width * channels) + 1;
        var raw = new byte[stride * image.Height];
        for (var y = 0; y < image.Height; y++)
        {
            var row = y * stride;
            raw[row] = 0;
            for (var x = 0; x < image.Width; x++)
            {
                var src = ((y * image.Width) + x) * 4;
                var dst = row + 1 + (x * channels);
                raw[dst] = image.Pixels[src];
                raw[dst + 1] = image.Pixels[src + 1];
                raw[dst + 2] = image.Pixels[src + 2];
                if (withAlpha)
                {
                    raw[dst + 3] = image.Pixels[src + 3];
                }
            }
        }

        using var output = new MemoryStream();
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;
        header[9] = (byte)(withAlpha ? 6 : 2);
        WriteChunk(output, "IHDR"u8, header);
        foreach (var (keyword, value) in text ?? [])
        {
            WriteChunk(output, "tEXt"u8, [.. System.Text.Encoding.Latin1.GetBytes(keyword), 0, .. System.Text.Encoding.UTF8.GetBytes(value)]);
        }

        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(raw);
            }

            WriteChunk(output, "IDAT"u8, compressed.ToArray());
        }

        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    /// <exception cref="InvalidDataException">The data is not a PNG this codec reads.</exception>
    public static RgbaImage Decode(ReadOnlySpan<byte> data)
    {
        if (!IsPng(data))
        {
            throw new InvalidDataException("Not a PNG file.");
        }

        int width = 0, height = 0, bitDepth = 0, colorType = -1;
        byte[]? palette = null, transparency = null;
        using var idat = new MemoryStream();
        var pos = 8;
        while (pos + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data[pos..]);
            if (length < 0 || pos + 12 + length > data.Length)
            {
                throw new InvalidDataException("Truncated PNG chunk.");
            }

            var type = data.Slice(pos + 4, 4);
            var body = data.Slice(pos + 8, length);
            if (type.SequenceEqual("IHDR"u8))
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                bitDepth = body[8];
                colorType = body[9];
                if (body[12] != 0)
                {
                    throw new InvalidDataException("Interlaced PNGs are not supported.");
                }
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                palette = body.ToArray();
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                transparency = body.ToArray();
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(body);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            pos += 12 + length;
        }

        if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
        {
            throw new InvalidDataException("Missing or unsupported PNG size.");
        }

        var channels = colorType switch
        {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            _ => throw new InvalidDataException($"Unsupported PNG colour type {colorType}."),
        };
        if (bitDepth is not (1 or 2 or 4 or 8 or 16) || (colorType != 3 && colorType != 0 && bitDepth < 8))
        {
            throw new InvalidDataException($"Unsupported PNG bit depth {bitDepth}.");
        }

        var bitsPerPixel = channels * bitDepth;
        var stride = ((width * bitsPerPixel) + 7) / 8;
        var bpp = Math.Max(1, bitsPerPixel / 8);
        var raw = new byte[stride * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            var read = 0;
            var previous = new byte[stride];
            var line = new byte[stride + 1];
            for (var y = 0; y < height; y++)
            {
                z.ReadExactly(line);
                var current = raw.AsSpan(y * stride, stride);
                line.AsSpan(1).CopyTo(current);
                Unfilter(line[0], current, previous, bpp);
                current.CopyTo(previous);
                read += stride;
            }
        }

        var image = new RgbaImage(width, height, hasAlpha: colorType is 4 or 6 || transparency is not null);
        var px = image.Pixels;
        for (var y = 0; y < height; y++)
        {
            var row = raw.AsSpan(y * stride, stride);
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 4;
                byte r, g, b, a = 255;
                switch (colorType)
                {
                    case 0:
                        r = g = b = Sample(row, x, bitDepth);
                        if (transparency is { Length: >= 2 } && bitDepth == 8 && r == transparency[1])
                        {
                            a = 0;
                        }

                        break;
                    case 2:
                        r = Channel(row, x, 3, 0, bitDepth);
                        g = Channel(row, x, 3, 1, bitDepth);
                        b = Channel(row, x, 3, 2, bitDepth);
                        break;
                    case 3:
                        var index = PaletteIndex(row, x, bitDepth);
                        if (palette is null || (index * 3) + 2 >= palette.Length)
                        {
                            throw new InvalidDataException("PNG palette index out of range.");
                        }

                        r = palette[index * 3];
                        g = palette[(index * 3) + 1];
                        b = palette[(index * 3) + 2];
                        a = transparency is not null && index < transparency.Length ? transparency[index] : (byte)255;
                        break;
                    case 4:
                        r = g = b = Channel(row, x, 2, 0, bitDepth);
                        a = Channel(row, x, 2, 1, bitDepth);
                        break;
                    default:
                        r = Channel(row, x, 4, 0, bitDepth);
                        g = Channel(row, x, 4, 1, bitDepth);
                        b = Channel(row, x, 4, 2, bitDepth);
                        a = Channel(row, x, 4, 3, bitDepth);
                        break;
                }

                px[o] = r;
                px[o + 1] = g;
                px[o + 2] = b;
                px[o + 3] = a;
            }
        }

        return image;
    }
}
