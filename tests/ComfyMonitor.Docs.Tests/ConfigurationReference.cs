using System.Globalization;
using System.Reflection;
using ComfyMonitor.AppHost;
using ComfyMonitor.ComfyApi;
using ComfyMonitor.Collector;
using ComfyMonitor.Discovery;
using ComfyMonitor.Hosting.Web;
using ComfyMonitor.Probe;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// docs/configuration.md from the code: every key of every options class the services bind, with its type, its default
/// (a new instance's value) and its meaning (the property's doc comment). A list's items are <c>N</c> (0, 1, ...), a
/// dictionary's keys <c>NAME</c> (<c>ComfyUI:Pools:NAME:StallAfter</c>).
/// </summary>
public static class ConfigurationReference
{
    public const string Document = "docs/configuration.md";

    /// <summary>Where each options class is bound, by part of the document, in the document's order.</summary>
    public static readonly IReadOnlyList<OptionsBinding> Bindings =
    [
        new("discovery", ComfyUIOptions.Section, typeof(ComfyUIOptions)),
        new("collector", CollectorOptions.Section, typeof(CollectorOptions)),
        new("collector", $"{CollectorOptions.Section}:Shard", typeof(ShardOptions)),
        new("probe", ProbeOptions.Section, typeof(ProbeOptions)),
        new("probe", SamplerCanaryOptions.Section, typeof(SamplerCanaryOptions)),
        new("probe", $"{ProbeOptions.Section}:Shard", typeof(ShardOptions)),
        // The collector sets the client's options from its own; the probe reads this one of them.
        new("probe", "ComfyUI:Client", typeof(ComfyClientOptions), [nameof(ComfyClientOptions.MaxResponseBytes)]),
        new("web", WebOptions.Section, typeof(WebOptions)),
        new("apphost", SimulatorSettings.Section, typeof(SimulatorSettings)),
        new("apphost", MonitoringSettings.Section, typeof(MonitoringSettings)),
    ];

    /// <summary>The assemblies whose options classes must all be documented.</summary>
    public static readonly IReadOnlyList<Assembly> Assemblies =
        [typeof(ComfyUIOptions).Assembly, typeof(CollectorOptions).Assembly, typeof(ProbeOptions).Assembly, typeof(WebOptions).Assembly, typeof(ComfyClientOptions).Assembly];

    /// <summary>Every key the code reads, in the document's order.</summary>
    public static List<ConfigKey> FromCode()
    {
        var keys = new List<ConfigKey>();
        foreach (var binding in Bindings)
        {
            var walked = new List<(string Key, PropertyInfo Property, object? Default, Type Type)>();
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            Walk(binding.Section, binding.Options, Activator.CreateInstance(binding.Options)!, binding.Only, walked, names);
            keys.AddRange(walked.Select(w => new ConfigKey(binding.Part, w.Key, TypeName(w.Type), Format(w.Default),
                XmlDocs.Summary(w.Property, cref => Resolve(cref, names)))));
        }

        return keys;
    }

    /// <summary>The options classes the bindings reach, nested ones included.</summary>
    public static HashSet<Type> Documented()
    {
        var types = new HashSet<Type>();
        foreach (var binding in Bindings)
        {
            Reach(binding.Options);
        }

        return types;

        void Reach(Type type)
        {
            if (!types.Add(type))
            {
                return;
            }

            foreach (var property in Settable(type))
            {
                if (Element(property.PropertyType) is { } element && !IsLeaf(element))
                {
                    Reach(element);
                }
            }
        }
    }

    /// <summary>The parts of docs/configuration.md, one table each.</summary>
    public static List<DocRegion> Regions(IEnumerable<ConfigKey> keys) => keys.GroupBy(k => k.Part)
        .Select(part => new DocRegion(part.Key, "| key | type | default | meaning |\n|---|---|---|---|", part.Select(k => k.Entry).ToList()))
        .ToList();

    private static void Walk(string prefix, Type type, object instance, IReadOnlyList<string>? only, List<(string, PropertyInfo, object?, Type)> keys, Dictionary<string, string> names)
    {
        foreach (var property in Settable(type).Where(p => only is null || only.Contains(p.Name)))
        {
            var key = $"{prefix}:{property.Name}";
            names[$"P:{property.DeclaringType!.FullName}.{property.Name}"] = key;
            var value = property.GetValue(instance);
            if (IsLeaf(property.PropertyType))
            {
                keys.Add((key, property, value, property.PropertyType));
                continue;
            }

            var element = Element(property.PropertyType)!;
            var item = property.PropertyType == element ? key : $"{key}:{Placeholder(property)}";
            if (IsLeaf(element))
            {
                keys.Add((item, property, null, element));
            }
            else
            {
                Walk(item, element, (property.PropertyType == element ? value : null) ?? Activator.CreateInstance(element)!, null, keys, names);
            }
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).OrderBy(p => p.MetadataToken);

    /// <summary>The type of a list's items or a dictionary's values; the type itself for anything else.</summary>
    private static Type? Element(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1]
        : type;

    private static string Placeholder(PropertyInfo property) => property.PropertyType.GetGenericTypeDefinition() == typeof(List<>) ? "N" : "NAME";

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);
    }

    private static string TypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(TimeSpan) => "duration",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(double) || type == typeof(decimal) => "number",
            _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ => "string",
        };
    }

    private static string Format(object? value) => value switch
    {
        null => "—",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        "" => "(empty)",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "—",
    };

    /// <summary>A <c>see cref</c> of a doc comment: a property as its key, a constant as its value, anything else by name.</summary>
    private static string Resolve(string cref, Dictionary<string, string> names)
    {
        if (names.TryGetValue(cref, out var key))
        {
            return $"`{key}`";
        }

        var name = cref[(cref.LastIndexOf('.') + 1)..];
        if (cref.StartsWith("F:", StringComparison.Ordinal)
            && Assemblies.Select(a => a.GetType(cref[2..cref.LastIndexOf('.')])).FirstOrDefault(t => t is not null)?.GetField(name) is { IsLiteral: true } field)
        {
            return Format(field.GetRawConstantValue());
        }

        return $"`{name}`";
    }
}
