namespace ComfyMonitor.Docs.Tests;

/// <summary>
/// An options class bound to a configuration section (as <c>BindConfiguration</c> binds it), documented in the part
/// <paramref name="Part"/> of docs/configuration.md; <paramref name="Only"/> names the properties a service reads when it
/// reads only some.
/// </summary>
public sealed record OptionsBinding(string Part, string Section, Type Options, IReadOnlyList<string>? Only = null);
