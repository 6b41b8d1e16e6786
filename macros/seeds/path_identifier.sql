{#
    A file path as it must be written inside text.`...` in Spark SQL: Hadoop reads the path as
    a glob, so its glob characters (\ * ? [ ] { }) are escaped with a backslash, and a backtick
    is doubled to stay inside the quoted identifier. A folder named "Exports [1]" or "Q1: bikes"
    then reads as itself. Hadoop's globbing cannot read a path holding both a glob character and
    a colon: that stops with what to do (`velos run --data` links such a folder for Spark).
#}
{% macro path_identifier(path) -%}
    {%- set glob_characters = '([\\\\*?\\[\\]{}])' -%}
    {%- if ':' in path and modules.re.search(glob_characters, path) -%}
        {{ exceptions.raise_compiler_error("the path '" ~ path ~ "' holds both a ':' and one of"
            ~ " \\ * ? [ ] { }, which Spark cannot read. Use `velos run --data`, or rename the"
            ~ " folder (or link it from a simpler path) and run again.") }}
    {%- endif -%}
    {%- set escaped = modules.re.sub(glob_characters, '\\\\\\1', path) -%}
    {{ return(escaped | replace('`', '``')) }}
{%- endmacro %}
