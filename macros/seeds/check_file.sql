{#
    Stops a seed whose file cannot be loaded as a whole: empty, header only, a header that
    differs from the contract, bytes that are not UTF-8, NUL bytes. The message names the file,
    the line, the difference and what to do. Line-level defects (too many or too few fields, an
    unbalanced quote) do not stop anything: staging quarantines those lines one by one.

    A header is compared the way people write it: a UTF-8 byte-order mark, a CRLF ending,
    spaces around a name, double quotes around it (R, Excel) and the case do not matter.
    profile: what profile_file returns.
#}
{% macro check_file(file_name, expected_header, profile) -%}
    {%- set hint = " Fix the export (see seeds/README.md for the four files' contract)"
        ~ " and run again." -%}
    {%- set header_line = profile.header_line -%}
    {%- if header_line is none or (header_line | trim) == '' -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ": the file is empty; expected the header line '"
            ~ expected_header ~ "' followed by data lines." ~ hint) }}
    {%- endif -%}
    {%- if profile.bad_lines > 0 -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ", line " ~ profile.first_bad_line ~ ": bytes that are not UTF-8 ("
            ~ profile.bad_lines ~ " line(s) in all). The file is probably Latin-1 or Windows-1252"
            ~ " (accented names such as 'Séverine'). Convert it, e.g. `iconv -f latin1 -t utf-8 "
            ~ file_name ~ " > fixed.csv`, and run again.") }}
    {%- endif -%}
    {%- if profile.nul_lines > 0 -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ", line " ~ profile.first_nul_line ~ ": NUL bytes ("
            ~ profile.nul_lines ~ " line(s) in all). The file is probably UTF-16 (Excel's"
            ~ " 'Unicode text') or not text at all. Save it as 'CSV UTF-8', e.g."
            ~ " `iconv -f utf-16 -t utf-8 " ~ file_name ~ " > fixed.csv`, and run again.") }}
    {%- endif -%}
    {%- set found = header_line.lstrip('\ufeff').rstrip('\r') -%}
    {%- set expected = expected_header.split(',') -%}
    {%- set actual = [] -%}
    {%- for name in found.split(',') -%}
        {%- do actual.append(name.strip().strip('"').strip().lower()) -%}
    {%- endfor -%}
    {%- if actual != expected -%}
        {%- for delimiter in [';', '\t', '|'] -%}
            {%- if actual | length == 1 and delimiter in found -%}
                {{ exceptions.raise_compiler_error(
                    file_name ~ ", line 1: the fields are separated by '"
                    ~ (delimiter | replace('\t', '\\t'))
                    ~ "', not by commas. Re-export the file as comma-separated." ~ hint) }}
            {%- endif -%}
        {%- endfor -%}
        {#- the first repeated name is reported: the error stops the loop -#}
        {%- for column in actual if actual.count(column) > 1 -%}
            {{ exceptions.raise_compiler_error(
                file_name ~ ", line 1: the column '" ~ (column or '(unnamed)') ~ "' appears "
                ~ actual.count(column) ~ " times in the header. Expected '" ~ expected_header
                ~ "', found '" ~ found ~ "'." ~ hint) }}
        {%- endfor -%}
        {%- set missing = [] -%}
        {%- for column in expected if column not in actual -%}
            {%- do missing.append(column or '(unnamed index)') -%}
        {%- endfor -%}
        {%- set extra = [] -%}
        {%- for column in actual if column not in expected -%}
            {%- do extra.append(column or '(unnamed)') -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ", line 1: the header does not match the contract."
            ~ (" Missing column(s): " ~ (missing | join(', ')) ~ "." if missing else "")
            ~ (" Unexpected column(s): " ~ (extra | join(', ')) ~ "." if extra else "")
            ~ (" Same columns in another order." if not missing and not extra else "")
            ~ " Expected '" ~ expected_header ~ "', found '" ~ found ~ "'." ~ hint) }}
    {%- endif -%}
    {%- if profile.data_lines == 0 -%}
        {{ exceptions.raise_compiler_error(
            file_name ~ ": the file has a header but no data lines." ~ hint) }}
    {%- endif -%}
{%- endmacro %}
