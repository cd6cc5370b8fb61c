using System.Collections.Frozen;
using Microsoft.Extensions.Configuration;

namespace CarteAuth.Policies;

/// <summary>
/// Reads policies from configuration or from a JSON policy file, strictly: unknown keys and values of the wrong
/// type are errors that name their path, never silently ignored. The same binding serves <c>IOptions</c> and the CLI.
/// </summary>
public static class PolicyConfigurationLoader
{
    /// <summary>Binder settings shared by every path that reads policies: unknown keys are errors.</summary>
    public static void ConfigureBinder(BinderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ErrorOnUnknownConfiguration = true;
    }

    /// <summary>Binds <paramref name="section"/> (the <c>CarteAuth</c> section, holding <c>Policies</c>) into options.</summary>
    /// <exception cref="PolicyConfigurationException">An unknown key or a value of the wrong type.</exception>
    public static CarteAuthPolicyOptions Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new CarteAuthPolicyOptions();
        try
        {
            section.Bind(options, ConfigureBinder);
        }
        catch (InvalidOperationException e)
        {
            throw new PolicyConfigurationException([Explain(e)], e);
        }

        return options;
    }

    /// <summary>
    /// Reads a JSON policy file, shaped like the <c>CarteAuth</c> configuration section:
    /// <c>{ "Policies": { "name": { … } } }</c>, and compiles every policy in it.
    /// </summary>
    /// <exception cref="PolicyConfigurationException">Missing file, invalid JSON, unknown key, wrong type or invalid policy.</exception>
    public static FrozenDictionary<string, CompiledPolicy> LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new PolicyConfigurationException([$"the policy file '{full}' does not exist."]);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            var detail = e.InnerException?.Message ?? e.Message;
            throw new PolicyConfigurationException([$"the policy file '{full}' is not valid JSON: {detail}"], e);
        }

        var options = Bind(configuration);
        if (options.Policies.Count == 0)
        {
            throw new PolicyConfigurationException([$"the policy file '{full}' defines no policy; expected {{ \"Policies\": {{ \"name\": {{ … }} }} }}."]);
        }

        return PolicyCompiler.CompileAll(options);
    }

    internal static string Explain(InvalidOperationException e)
    {
        // The binder wraps the useful message ("... value 'x' at 'Policies:p:MinimumAssurance' to type ...",
        // "... properties were not found on the instance of ...: 'Colour'") in one or more generic ones:
        // keep the innermost binder message, plus the conversion error under it if any.
        Exception binder = e;
        while (binder.InnerException is InvalidOperationException inner)
        {
            binder = inner;
        }

        var message = binder.Message;
        if (binder.InnerException is { } cause)
        {
            message += " (" + cause.Message + ")";
        }

        return message + " Check the key names and value types against docs (levels: Low, Substantial, High; zones: Internal, Remote; durations: hh:mm:ss).";
    }
}
