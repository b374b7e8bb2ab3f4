namespace ComfyMonitor.Probe;

/// <summary><c>Probe:Custom:N</c>: an API-format workflow file, the node whose output to check, and what to expect.</summary>
public sealed class CustomCanaryOptions
{
    /// <summary>The custom canary's name: the value of its canary label.</summary>
    public string? Name { get; set; }

    /// <summary>Path of the API-format workflow (the "prompt" object, or a whole POST /prompt body).</summary>
    public string? Workflow { get; set; }

    /// <summary>Id of the node whose image output is fetched and checked.</summary>
    public string? OutputNode { get; set; }

    /// <summary>Whether this custom canary runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Expected image width, if any.</summary>
    public int? Width { get; set; }

    /// <summary>Expected image height, if any.</summary>
    public int? Height { get; set; }

    /// <summary>Expected mean colour as #RRGGBB, if any.</summary>
    public string? MeanColor { get; set; }

    /// <summary>Allowed difference of each channel of the mean colour from MeanColor, 0 to 255.</summary>
    public double Tolerance { get; set; } = 8;
}
