{#
    Stops a seed whose file cannot be loaded as a whole: empty, header only, or a header that
    differs from the contract. The message names the file, the difference and what to do.
#}
{% macro velos_check_header(file_name, expected_header, header_line, data_lines) -%}
    {%- set hint = " Fix the export (see seeds/README.md for the four files' contract) and run again." -%}
    {%- if header_line is none or (header_line | trim) == '' -%}
        {{ exceptions.raise_compiler_error(file_name ~ ": the file is empty; expected the header line '"
            ~ expected_header ~ "' followed by data lines." ~ hint) }}
    {%- endif -%}
    {%- set found = header_line.rstrip('\r') -%}
    {%- if found != expected_header -%}
        {%- set expected = expected_header.split(',') -%}
        {%- set actual = found.split(',') -%}
        {%- for delimiter in [';', '\t', '|'] -%}
            {%- if actual | length == 1 and delimiter in found -%}
                {{ exceptions.raise_compiler_error(file_name ~ ", line 1: the fields are separated by '"
                    ~ (delimiter | replace('\t', '\\t')) ~ "', not by commas. Re-export the file as comma-separated." ~ hint) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set missing = [] -%}
        {%- for column in expected if column not in actual -%}{%- do missing.append(column or '(unnamed index)') -%}{%- endfor -%}
        {%- set extra = [] -%}
        {%- for column in actual if column not in expected -%}{%- do extra.append(column or '(unnamed)') -%}{%- endfor -%}
        {{ exceptions.raise_compiler_error(file_name ~ ", line 1: the header does not match the contract."
            ~ (" Missing column(s): " ~ (missing | join(', ')) ~ "." if missing else "")
            ~ (" Unexpected column(s): " ~ (extra | join(', ')) ~ "." if extra else "")
            ~ (" Same columns in another order." if not missing and not extra else "")
            ~ " Expected '" ~ expected_header ~ "', found '" ~ found ~ "'." ~ hint) }}
    {%- endif -%}
    {%- if data_lines == 0 -%}
        {{ exceptions.raise_compiler_error(file_name ~ ": the file has a header but no data lines." ~ hint) }}
    {%- endif -%}
{%- endmacro %}
