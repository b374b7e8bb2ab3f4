using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// An instance's input/, output/ and temp/ folders, with the server's path rules: rename on conflict,
/// traversal rejected, SaveImage counters, " [type]" suffixes.
/// </summary>
public sealed partial class FileStore(string root)
{
    public static readonly IReadOnlyList<string> Types = ["input", "output", "temp"];

    public string Root { get; } = root;

    public string Folder(string type) => Path.Combine(Root, type);

    /// <summary>Splits "name [output]" into the name and its type (default <paramref name="defaultType"/>).</summary>
    public static (string Name, string Type) Annotated(string name, string defaultType)
    {
        foreach (var type in Types)
        {
            var suffix = $" [{type}]";
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return (name[..^suffix.Length], type);
            }
        }

        return (name, defaultType);
    }

    /// <summary>The file LoadImage would open for its "image" value, or null.</summary>
    public string? ResolveLoadImage(string value)
    {
        var (name, type) = Annotated(value, "input");
        var path = Contained(Folder(type), name);
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>LoadImage's list: the sorted top-level files of input/, only those with an image type unless <paramref name="imagesOnly"/> is false (LoadImageMask).</summary>
    public IEnumerable<string> InputChoices(bool imagesOnly)
    {
        var folder = Folder("input");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(f => !imagesOnly || ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Extensions whose guessed MIME type is image/* (Python's mimetypes).</summary>
    private static readonly HashSet<string> ImageExtensions = [".png", ".jpg", ".jpeg", ".jpe", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ico", ".svg", ".avif", ".heic", ".heif"];

    /// <summary>/upload/image: the name written (maybe renamed), or the status code of a rejection.</summary>
    public (string? Name, int Status) Upload(byte[] content, string fileName, string subfolder, string type, bool overwrite)
    {
        if (!Types.Contains(type))
        {
            return (null, 500);
        }

        if (string.IsNullOrEmpty(fileName))
        {
            return (null, 400);
        }

        var baseFolder = Folder(type);
        var folder = Contained(baseFolder, subfolder);
        if (folder is null || fileName.Contains('/') || fileName.Contains('\\') || fileName == ".." )
        {
            return (null, 400);
        }

        var path = Contained(folder, fileName);
        if (path is null)
        {
            return (null, 400);
        }

        Directory.CreateDirectory(folder);
        var name = fileName;
        if (!overwrite)
        {
            var stem = Path.GetFileNameWithoutExtension(fileName);
            var ext = Path.GetExtension(fileName);
            var i = 1;
            while (File.Exists(path))
            {
                if (SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(SHA256.HashData(content)))
                {
                    return (name, 200);
                }

                name = $"{stem} ({i++}){ext}";
                path = Path.Combine(folder, name);
            }
        }

        File.WriteAllBytes(path, content);
        return (name, 200);
    }

    /// <summary>SaveImage's get_save_image_path: "sub/prefix" -> sub/prefix_00001_.png, the next free counter.</summary>
    public (string FileName, string Subfolder) NextSaveName(string type, string prefix)
    {
        var subfolder = Path.GetDirectoryName(prefix)?.Replace('\\', '/') ?? "";
        var stem = Path.GetFileName(prefix);
        var folder = Contained(Folder(type), subfolder) ?? throw new InvalidOperationException("**** ERROR: Saving image outside the output folder is not allowed.");
        Directory.CreateDirectory(folder);
        var counter = 1;
        foreach (var file in Directory.EnumerateFiles(folder, stem + "_*"))
        {
            var match = CounterPattern().Match(Path.GetFileName(file)[stem.Length..]);
            if (match.Success && int.TryParse(match.Groups[1].Value, out var n))
            {
                counter = Math.Max(counter, n + 1);
            }
        }

        return ($"{stem}_{counter:D5}_.png", subfolder);
    }

    /// <summary>/view's checks, in the server's order: 400 for a bad name or type, 403 for a subfolder escape, 404 when missing.</summary>
    public (string? Path, int Status) ResolveView(string? filename, string? subfolder, string? type)
    {
        if (filename is null)
        {
            return (null, 404);
        }

        if (filename.Length == 0 || filename.StartsWith('/') || filename.Contains(".."))
        {
            return (null, 400);
        }

        var (name, annotatedType) = Annotated(filename, type ?? "output");
        if (!Types.Contains(annotatedType))
        {
            return (null, 400);
        }

        var folder = Folder(annotatedType);
        if (!string.IsNullOrEmpty(subfolder))
        {
            folder = Contained(folder, subfolder);
            if (folder is null)
            {
                return (null, 403);
            }
        }

        var path = Path.Combine(folder, Path.GetFileName(name));
        return File.Exists(path) ? (path, 200) : (null, 404);
    }

    /// <summary>
    /// temp/ emptied, as a restarted server finds it; a file a running prompt writes meanwhile may stay (best effort, never
    /// an error: the restart of a busy instance must not fail).
    /// </summary>
    public void EmptyTemp()
    {
        var temp = Folder("temp");
        if (!Directory.Exists(temp))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(temp, "*", SearchOption.AllDirectories).OrderByDescending(e => e.Length).ToList())
        {
            try
            {
                if (File.Exists(entry))
                {
                    File.Delete(entry);
                }
                else
                {
                    Directory.Delete(entry);
                }
            }
            catch (IOException)
            {
                // Written or created by a prompt at this moment.
            }
        }
    }

    public void DeleteAll()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>The full path of <paramref name="relative"/> under <paramref name="baseFolder"/>, or null when it escapes.</summary>
    public static string? Contained(string baseFolder, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(baseFolder, relative));
        var root = Path.GetFullPath(baseFolder);
        return full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    [GeneratedRegex(@"^_(\d+)_")]
    private static partial Regex CounterPattern();
}
