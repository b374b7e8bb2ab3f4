using System.Text;

namespace ComfyMonitor.Hosting;

/// <summary>The plain HTML pages of the collector and the probe: one head and style, refreshed every 15 s.</summary>
public static class HtmlPage
{
    /// <summary>
    /// Starts a page titled "ComfyMonitor <paramref name="service"/>", with the shared style and <paramref name="style"/>,
    /// and the version of the build beside the heading.
    /// </summary>
    public static StringBuilder Start(string service, int capacity, string style) => new StringBuilder(capacity).Append($$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15">
        <title>ComfyMonitor {{service}}</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
        th,td{border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
        th{background:#f4f4f4}
        h1 small{font-size:55%;font-weight:normal;color:#666}
        {{style}}
        </style></head><body>
        <h1>ComfyMonitor {{service}} <small>{{BuildVersion.Version}}</small></h1>

        """);
}
