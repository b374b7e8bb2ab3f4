using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// The doc comments of the code, read from the XML documentation files the build writes beside each assembly, as
/// Markdown: <c>&lt;c&gt;</c> becomes code, and a <c>&lt;see cref&gt;</c> to a property becomes what
/// <c>resolve</c> makes of it (its configuration key).
/// </summary>
public static partial class XmlDocs
{
    private static readonly ConcurrentDictionary<Assembly, Dictionary<string, XElement>> Files = new();

    /// <summary>The summary of <paramref name="property"/>, or "" without one.</summary>
    public static string Summary(PropertyInfo property, Func<string, string> resolve) =>
        Render(Member(property.DeclaringType!.Assembly, $"P:{Name(property.DeclaringType)}.{property.Name}"), resolve);

    /// <summary>The summary of <paramref name="type"/>, or "" without one.</summary>
    public static string Summary(Type type, Func<string, string> resolve) => Render(Member(type.Assembly, $"T:{Name(type)}"), resolve);

    private static string Name(Type type) => type.FullName!.Replace('+', '.');

    private static XElement? Member(Assembly assembly, string id) =>
        Files.GetOrAdd(assembly, Load).GetValueOrDefault(id)?.Element("summary");

    private static Dictionary<string, XElement> Load(Assembly assembly)
    {
        var file = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file} is missing: the project of {assembly.GetName().Name} needs <GenerateDocumentationFile>true</GenerateDocumentationFile>");
        }

        return XDocument.Load(file).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, StringComparer.Ordinal);
    }

    private static string Render(XElement? summary, Func<string, string> resolve)
    {
        if (summary is null)
        {
            return "";
        }

        var text = string.Concat(summary.Nodes().Select(node => node switch
        {
            XText t => t.Value,
            XElement { Name.LocalName: "c" } c => $"`{c.Value}`",
            XElement { Name.LocalName: "see" } see when see.Attribute("cref") is { } cref => resolve((string)cref),
            XElement { Name.LocalName: "see" } see when see.Attribute("langword") is { } word => $"`{(string)word}`",
            XElement { Name.LocalName: "paramref" or "typeparamref" } p => $"`{(string?)p.Attribute("name")}`",
            XElement e => e.Value,
            _ => "",
        }));
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
