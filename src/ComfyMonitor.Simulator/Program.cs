using Microsoft.Extensions.Options;

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
builder.Configuration.AddCommandLine(args, SimulatorExtensions.SwitchMappings.ToDictionary());
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

try
{
    builder.AddSimulator();
}
catch (OptionsValidationException ex)
{
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"error: {failure}");
    }

    return 2;
}

var app = builder.Build();
app.MapSimulator();
await app.RunAsync();
return 0;
