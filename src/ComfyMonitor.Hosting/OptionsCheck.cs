using Microsoft.Extensions.Options;

namespace ComfyMonitor.Hosting;

/// <summary>Reads every options type once, before anything starts, and reports all their problems together.</summary>
public static class OptionsCheck
{
    /// <exception cref="OptionsValidationException">One or more settings are invalid; Failures lists them all.</exception>
    public static void ThrowIfInvalid(IServiceProvider services, params Type[] optionsTypes)
    {
        var failures = new List<string>();
        foreach (var type in optionsTypes)
        {
            try
            {
                var accessor = services.GetService(typeof(IOptions<>).MakeGenericType(type))!;
                _ = accessor.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(accessor);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is OptionsValidationException invalid)
            {
                failures.AddRange(invalid.Failures);
            }
            catch (OptionsValidationException invalid)
            {
                failures.AddRange(invalid.Failures);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is InvalidOperationException unreadable)
            {
                // A value the binder cannot convert ("Failed to convert configuration value at 'Collector:Interval'
                // to type 'System.TimeSpan'"): the binder stops at the first one of each section.
                failures.Add(unreadable.Message);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException("configuration", typeof(OptionsCheck), failures);
        }
    }
}
