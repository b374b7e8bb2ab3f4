using System.Buffers.Binary;

namespace ComfyMonitor.ComfyApi.Imaging;

/// <summary>Reading samples out of PNG rows, undoing the row filters, and the chunk CRC.</summary>
public static partial class Png
{
    private static byte Channel(ReadOnlySpan<byte> row, int x, int channels, int c, int bitDepth) =>
        bitDepth == 16 ? row[((x * channels) + c) * 2] : row[(x * channels) + c];

    private static byte Sample(ReadOnlySpan<byte> row, int x, int bitDepth)
    {
        if (bitDepth >= 8)
        {
            return Channel(row, x, 1, 0, bitDepth);
        }

        var value = PaletteIndex(row, x, bitDepth);
        return (byte)(value * 255 / ((1 << bitDepth) - 1));
    }

    private static int PaletteIndex(ReadOnlySpan<byte> row, int x, int bitDepth)
    {
        if (bitDepth == 8)
        {
            return row[x];
        }

        var perByte = 8 / bitDepth;
        var shift = 8 - (((x % perByte) + 1) * bitDepth);
        return (row[x / perByte] >> shift) & ((1 << bitDepth) - 1);
    }

    private static void Unfilter(byte filter, Span<byte> current, ReadOnlySpan<byte> previous, int bpp)
    {
        for (var i = 0; i < current.Length; i++)
        {
            var left = i >= bpp ? current[i - bpp] : 0;
            var up = previous[i];
            var upLeft = i >= bpp ? previous[i - bpp] : 0;
            current[i] = filter switch
            {
                0 => current[i],
                1 => (byte)(current[i] + left),
                2 => (byte)(current[i] + up),
                3 => (byte)(current[i] + ((left + up) >> 1)),
                4 => (byte)(current[i] + Paeth(left, up, upLeft)),
                _ => throw new InvalidDataException($"Unknown PNG filter {filter}."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, body.Length);
        output.Write(buffer);
        output.Write(type);
        output.Write(body);
        var crc = Crc(Crc(0xFFFFFFFFu, type), body) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        output.Write(buffer);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
