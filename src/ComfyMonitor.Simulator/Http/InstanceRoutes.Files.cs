using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyMonitor.Simulator.Execution;
using ComfyMonitor.Simulator.Fleet;
using static ComfyMonitor.Simulator.Http.ComfyHttp;

namespace ComfyMonitor.Simulator.Http;

/// <summary>The file routes: /upload/image, /upload/mask and /view, as server.py answers them.</summary>
internal static partial class InstanceRoutes
{
    private static async Task<IResult> UploadImageAsync(HttpContext c)
    {
        var (form, file) = await ReadUploadAsync(c);
        if (form is null || file is null)
        {
            // A body that is not a form reads as an empty form: no "image" part, 400. A text field named image fails later: 500.
            return form?.ContainsKey("image") == true ? ServerError() : EmptyStatus(400);
        }

        var content = await ReadAllAsync(file);
        var type = form["type"].ToString() is { Length: > 0 } t ? t : "input";
        var subfolder = form["subfolder"].ToString();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        var (name, status) = Instance(c).Files.Upload(content, file.FileName, subfolder, type, overwrite);
        return name is not null ? Json(new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = type })
            : status == 500 ? ServerError() : EmptyStatus(status);
    }

    /// <summary>The original's RGB with the uploaded mask's alpha; nothing is written when the original is missing.</summary>
    private static async Task<IResult> UploadMaskAsync(HttpContext c)
    {
        var (form, file) = await ReadUploadAsync(c);
        if (form is null || file is null)
        {
            return form?.ContainsKey("image") == true ? ServerError() : EmptyStatus(400);
        }

        JsonObject? original;
        try
        {
            original = JsonNode.Parse(form["original_ref"].ToString()) as JsonObject;
        }
        catch (JsonException)
        {
            original = null;
        }

        if (original?["filename"]?.ToString() is not { } originalName)
        {
            return ServerError();
        }

        var instance = Instance(c);
        var type = form["type"].ToString() is { Length: > 0 } t ? t : "input";
        var subfolder = form["subfolder"].ToString();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        var maskBytes = await ReadAllAsync(file);
        var (name, refType) = FileStore.Annotated(originalName, original["type"]?.ToString() ?? "output");
        var originalPath = !name.StartsWith('/') && !name.Contains("..") && FileStore.Types.Contains(refType)
            ? FileStore.Contained(instance.Files.Folder(refType), Path.Combine(original["subfolder"]?.ToString() ?? "", name))
            : null;

        byte[] merged;
        try
        {
            if (originalPath is null || !File.Exists(originalPath))
            {
                return Json(new JsonObject { ["name"] = file.FileName, ["subfolder"] = subfolder, ["type"] = type });
            }

            var image = ComfyApi.Imaging.Png.Decode(await File.ReadAllBytesAsync(originalPath));
            var mask = ComfyApi.Imaging.Png.Decode(maskBytes);
            var result = new ComfyApi.Imaging.RgbaImage(image.Width, image.Height);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var (r, g, b, _) = image[x, y];
                    var alpha = x < mask.Width && y < mask.Height ? mask[x, y].A : (byte)255;
                    result[x, y] = (r, g, b, alpha);
                }
            }

            merged = ComfyApi.Imaging.Png.Encode(result);
        }
        catch (InvalidDataException)
        {
            return ServerError();
        }

        // The duplicate check compares the uploaded mask bytes, then the merged image is written.
        var (written, status) = instance.Files.Upload(maskBytes, file.FileName, subfolder, type, overwrite);
        if (written is null)
        {
            return status == 500 ? ServerError() : EmptyStatus(status);
        }

        await File.WriteAllBytesAsync(Path.Combine(instance.Files.Folder(type), subfolder, written), merged);
        return Json(new JsonObject { ["name"] = written, ["subfolder"] = subfolder, ["type"] = type });
    }

    /// <summary>
    /// GET /view as server.py's view_image: the file, or with preview=webp|jpeg[;quality] a re-encoded copy (webp for any
    /// other format or an alpha channel), or with channel=rgb|a a PNG of the colour or the alpha (on black).
    /// </summary>
    private static IResult View(HttpContext c)
    {
        var q = c.Request.Query;
        var (path, status) = Instance(c).Files.ResolveView(
            q.ContainsKey("filename") ? q["filename"].ToString() : null,
            q.ContainsKey("subfolder") ? q["subfolder"].ToString() : null,
            q.ContainsKey("type") ? q["type"].ToString() : null);
        if (path is null)
        {
            return EmptyStatus(status);
        }

        var fileName = Path.GetFileName(path);
        c.Response.Headers.ContentDisposition = $"filename=\"{fileName}\"";
        var channel = q.ContainsKey("channel") ? q["channel"].ToString() : "rgba";
        try
        {
            if (q.ContainsKey("preview"))
            {
                var preview = q["preview"].ToString().Split(';');
                var format = preview[0] is "webp" or "jpeg" && !q["channel"].ToString().Contains('a') ? preview[0] : "webp";
                var quality = preview[^1].Length > 0 && preview[^1].All(char.IsAsciiDigit) && int.TryParse(preview[^1], out var qv) ? qv : 90;
                return Results.Bytes(PreviewImage.Encode(File.ReadAllBytes(path), format, quality, dropAlpha: format == "jpeg" || channel == "rgb"), $"image/{format}");
            }

            if (channel is "rgb" or "a")
            {
                return Results.Bytes(PreviewImage.Channel(File.ReadAllBytes(path), channel), "image/png");
            }
        }
        catch (InvalidDataException)
        {
            return ServerError();
        }

        var contentType = PreviewImage.GuessType(fileName);
        return Results.File(path, contentType, enableRangeProcessing: true);
    }
}
