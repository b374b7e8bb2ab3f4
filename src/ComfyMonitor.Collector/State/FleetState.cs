using System.Collections.Concurrent;
using ComfyMonitor.Collector.Scraping;

namespace ComfyMonitor.Collector.State;

/// <summary>The scrapers of the instances this replica watches, by name.</summary>
public sealed class FleetState
{
    private readonly ConcurrentDictionary<string, InstanceScraper> _scrapers = new(StringComparer.Ordinal);

    public IEnumerable<InstanceScraper> Scrapers => _scrapers.Values;

    public int Count => _scrapers.Count;

    public bool TryGet(string name, out InstanceScraper scraper) => _scrapers.TryGetValue(name, out scraper!);

    public void Set(InstanceScraper scraper) => _scrapers[scraper.Name] = scraper;

    public bool Remove(string name) => _scrapers.TryRemove(name, out _);

    /// <summary>Every instance's snapshot, by name.</summary>
    public IReadOnlyList<InstanceSnapshot> Snapshots() =>
        _scrapers.Values.Select(s => s.State.Snapshot).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
}
