using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ComfyMonitor.Simulator.Fleet;

/// <summary>
/// Feeds Kestrel's "Kestrel:Endpoints" section. Kestrel rebinds on reload, so removing an
/// instance's endpoint closes its port for real (connection refused) while the others keep serving.
/// </summary>
public sealed class EndpointConfigurationProvider : ConfigurationProvider, IConfigurationSource
{
    private readonly Lock _lock = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void SetEndpoints(IEnumerable<(string Name, int Port)> endpoints)
    {
        lock (_lock)
        {
            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, port) in endpoints)
            {
                Data[$"Kestrel:Endpoints:{name}:Url"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            }
        }
    }

    public void SetOpen(string name, int port, bool open)
    {
        lock (_lock)
        {
            var key = $"Kestrel:Endpoints:{name}:Url";
            if (open)
            {
                Data[key] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            }
            else
            {
                Data.Remove(key);
            }
        }

        OnReload();
    }
}
