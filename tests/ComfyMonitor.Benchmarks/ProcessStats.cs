using System.Globalization;

namespace ComfyMonitor.Benchmarks;

/// <summary>CPU time and resident memory of a Linux process, from /proc.</summary>
internal static class ProcessStats
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static long RssBytes(int pid) => Field($"/proc/{pid}/status", "VmRSS:") * 1024;


    private static long Field(string path, string name)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"{name} not in {path}");
    }
}
