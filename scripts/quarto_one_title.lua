-- A direct `quarto render` of a section notebook to HTML: the page shows one title, the
-- report header's H1 (the district), as the built-in report does. Quarto's title block
-- would print the section's title above it, and the section's own first heading says it
-- again. The title stays the page's <title>; Typst and revealjs keep their title.
function Meta(meta)
  if quarto.doc.is_format("html") and not quarto.doc.is_format("revealjs") and meta.title then
    meta.pagetitle = pandoc.utils.stringify(meta.title)
    meta.title = nil
    meta.subtitle = nil
    return meta
  end
end
