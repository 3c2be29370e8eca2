#!/usr/bin/env python3
"""Builds minimal but valid DOCX, PPTX, XLSX and EPUB files, and hostile
variants of them, for the integration tests: python3 mkoffice.py KIND OUT.
Only the parts a reader needs are written; each is well-formed XML."""
import io
import sys
import zipfile

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PR = 'http://schemas.openxmlformats.org/package/2006/relationships'
CT = ('<?xml version="1.0" encoding="UTF-8"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')


def core(title):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>%s</dc:title></cp:coreProperties>' % title)


def rels(items):
    return ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s">' % PR +
            ''.join('<Relationship Id="%s" Type="http://x/%s" Target="%s"/>' % i for i in items) +
            '</Relationships>')


def write(out, parts, compress=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(out, 'w', compress) as z:
        for name, data in parts:
            z.writestr(name, data)


def run(text):
    return '<w:r><w:t xml:space="preserve">%s</w:t></w:r>' % text


def para(text, style=None, num=None):
    ppr = ''
    if style or num:
        ppr = '<w:pPr>'
        if style:
            ppr += '<w:pStyle w:val="%s"/>' % style
        if num:
            ppr += '<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr>' % num
        ppr += '</w:pPr>'
    return '<w:p>%s%s</w:p>' % (ppr, run(text))


def docx_parts(body, title='Quarterly Report'):
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document %s %s><w:body>%s<w:sectPr/></w:body></w:document>' % (W, R, body))
    # Style ids localized (as a German Word writes them); names are not.
    styles = ('<?xml version="1.0" encoding="UTF-8"?><w:styles %s>'
              '<w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Mein"><w:name w:val="My Heading"/>'
              '<w:basedOn w:val="berschrift2"/></w:style>'
              '</w:styles>' % W)
    numbering = ('<?xml version="1.0" encoding="UTF-8"?><w:numbering %s>'
                 '<w:abstractNum w:abstractNumId="0">'
                 '<w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl>'
                 '<w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum>'
                 '<w:abstractNum w:abstractNumId="1">'
                 '<w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
                 '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
                 '</w:numbering>' % W)
    return [('[Content_Types].xml', CT),
            ('_rels/.rels', rels([('rId1', 'officeDocument', 'word/document.xml')])),
            ('word/document.xml', doc),
            ('word/styles.xml', styles),
            ('word/numbering.xml', numbering),
            ('docProps/core.xml', core(title))]


def docx(out):
    cell = lambda t: '<w:tc><w:p>%s</w:p></w:tc>' % run(t)
    body = (para('Annual Overview', 'Titel') +
            para('Introduction', 'berschrift1') +
            '<w:p>%s<w:r><w:br/></w:r>%s</w:p>' % (run('First line of intro'), run('second line after break')) +
            '<w:p><w:hyperlink r:id="rId9">%s</w:hyperlink>%s</w:p>' % (run('linked words'), run(' and more text')) +
            para('Findings', 'berschrift2') +
            para('Custom Styled Heading', 'Mein') +
            para('bullet alpha', num=(0, 1)) +
            para('bullet nested beta', num=(1, 1)) +
            para('bullet gamma', num=(0, 1)) +
            para('step one', num=(0, 2)) +
            para('step two', num=(0, 2)) +
            '<w:tbl><w:tr>%s%s</w:tr><w:tr>%s%s</w:tr><w:tr>%s%s</w:tr></w:tbl>' % (
                cell('Region'), cell('Revenue'), cell('North'), cell('1200'),
                cell('South'), cell('950')) +
            para('Closing paragraph with zephyrword.'))
    write(out, docx_parts(body))


def otherdocx(out):
    write(out, docx_parts(para('a different document'), 'Other'))


def pptx(out):
    def sp(text_paras, ph=None):
        nv = '<p:nvSpPr><p:cNvPr id="1" name="x"/><p:cNvSpPr/><p:nvPr>%s</p:nvPr></p:nvSpPr>' % (
            '<p:ph type="%s"/>' % ph if ph else '')
        ps = ''.join('<a:p><a:pPr lvl="%d"/><a:r><a:t>%s</a:t></a:r></a:p>' % (lvl, t)
                     for lvl, t in text_paras)
        return '<p:sp>%s<p:txBody><a:bodyPr/>%s</p:txBody></p:sp>' % (nv, ps)

    def slide(shapes):
        return ('<?xml version="1.0" encoding="UTF-8"?><p:sld %s %s %s><p:cSld><p:spTree>%s'
                '</p:spTree></p:cSld></p:sld>' % (A, P, R, shapes))
    tbl = ('<p:graphicFrame><a:graphic><a:graphicData><a:tbl>'
           '<a:tr><a:tc><a:txBody><a:p><a:r><a:t>Metric</a:t></a:r></a:p></a:txBody></a:tc>'
           '<a:tc><a:txBody><a:p><a:r><a:t>Value</a:t></a:r></a:p></a:txBody></a:tc></a:tr>'
           '<a:tr><a:tc><a:txBody><a:p><a:r><a:t>Uptime</a:t></a:r></a:p></a:txBody></a:tc>'
           '<a:tc><a:txBody><a:p><a:r><a:t>99.9</a:t></a:r></a:p></a:txBody></a:tc></a:tr>'
           '</a:tbl></a:graphicData></a:graphic></p:graphicFrame>')
    # Slide files numbered against presentation order: order comes from sldIdLst.
    s_a = slide(sp([(0, 'Kickoff Deck')], 'ctrTitle') + sp([(0, 'presented by quokkateam')], 'subTitle'))
    s_b = slide(sp([(0, 'Roadmap')], 'title') + sp([(0, 'phase one'), (1, 'detail of phase one'), (0, 'phase two')]))
    s_c = slide(sp([(0, 'Numbers')], 'title') + tbl)
    pres = ('<?xml version="1.0" encoding="UTF-8"?><p:presentation %s %s><p:sldIdLst>'
            '<p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId1"/><p:sldId id="258" r:id="rId2"/>'
            '</p:sldIdLst></p:presentation>' % (P, R))
    write(out, [('[Content_Types].xml', CT),
                ('ppt/presentation.xml', pres),
                ('ppt/_rels/presentation.xml.rels', rels([
                    ('rId1', 'slide', 'slides/slide1.xml'),
                    ('rId2', 'slide', 'slides/slide2.xml'),
                    ('rId3', 'slide', '/ppt/slides/slide3.xml')])),
                ('ppt/slides/_rels/slide1.xml.rels', rels([
                    ('rId1', 'slideLayout', '../slideLayouts/slideLayout1.xml'),
                    ('rId2', 'notesSlide', '../notesSlides/notesSlide7.xml')])),
                ('ppt/notesSlides/notesSlide7.xml',
                 '<?xml version="1.0"?><p:notes %s %s><p:cSld><p:spTree>%s%s</p:spTree></p:cSld></p:notes>' % (
                     A, P, sp([(0, '2')], 'sldNum'), sp([(0, 'Remember the budget'), (0, 'and the dates')], 'body'))),
                ('ppt/slides/slide3.xml', s_a),
                ('ppt/slides/slide1.xml', s_b),
                ('ppt/slides/slide2.xml', s_c)])


def xlsx(out):
    wb = ('<?xml version="1.0" encoding="UTF-8"?><workbook %s %s><sheets>'
          '<sheet name="Budget" sheetId="1" r:id="rId2"/>'
          '<sheet name="Sparse Data" sheetId="2" r:id="rId1"/>'
          '</sheets></workbook>' % (S, R))
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst %s count="4" uniqueCount="4">'
           '<si><t>Item</t></si><si><t>Cost</t></si><si><t>Paper</t></si>'
           '<si><r><t>Rich</t></r><r><t xml:space="preserve"> text</t></r><rPh><t>ignored</t></rPh></si>'
           '</sst>' % S)
    s1 = ('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>'
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Paid</t></is></c></row>'
          '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12.5</v></c><c r="C2" t="b"><v>1</v></c></row>'
          '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><f>B2*2</f><v>25</v></c><c r="C3" t="b"><v>0</v></c></row>'
          '</sheetData></worksheet>' % S)
    s2 = ('<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>'
          '<row r="2"><c r="B2" t="inlineStr"><is><t>topleft</t></is></c></row>'
          '<row r="5"><c r="D5" t="inlineStr"><is><t>farcell</t></is></c></row>'
          '</sheetData></worksheet>' % S)
    write(out, [('[Content_Types].xml', CT),
                ('xl/workbook.xml', wb),
                ('xl/_rels/workbook.xml.rels', rels([
                    ('rId1', 'worksheet', 'worksheets/sheet2.xml'),
                    ('rId2', 'worksheet', 'worksheets/sheet1.xml'),
                    ('rId3', 'sharedStrings', 'sharedStrings.xml')])),
                ('xl/sharedStrings.xml', sst),
                ('xl/worksheets/sheet1.xml', s1),
                ('xl/worksheets/sheet2.xml', s2),
                ('docProps/core.xml', core('Budget Book'))])


def xhtml(title, body):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>%s</title></head>'
            '<body>%s</body></html>' % (title, body))


def epub_parts(chapters, spine, title='The Voyage Book'):
    container = ('<?xml version="1.0"?><container version="1.0" '
                 'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                 '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                 '</rootfiles></container>')
    items = ''.join('<item id="%s" href="%s" media-type="%s"/>' % c[:3] for c in chapters)
    opf = ('<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" '
           'version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<dc:title>%s</dc:title></metadata><manifest>%s</manifest><spine>%s</spine></package>' % (
               title, items, ''.join('<itemref idref="%s"/>' % i for i in spine)))
    return ([('mimetype', 'application/epub+zip'),
             ('META-INF/container.xml', container),
             ('OEBPS/content.opf', opf)] +
            [(c[3], c[4]) for c in chapters if c[4] is not None])


def epub(out):
    chapters = [
        ('c1', 'Text/ch1.xhtml', 'application/xhtml+xml', 'OEBPS/Text/ch1.xhtml',
         xhtml('One', '<h1>Chapter One</h1><p>It began with a walrusword.</p>'
                      '<ul><li>first point</li><li>second point</li></ul>')),
        ('c2', 'Text/chapitre%20d%C3%A9ux.xhtml', 'application/xhtml+xml',
         'OEBPS/Text/chapitre d\u00e9ux.xhtml',
         xhtml('Two', '<h1>Chapter Two</h1><p>Then came the narwhalword.</p>'
                      '<table><tr><th>Port</th><th>Day</th></tr><tr><td>Lisbon</td><td>3</td></tr></table>')),
        ('c3', 'Text/ch3.xhtml', 'application/xhtml+xml', 'OEBPS/Text/ch3.xhtml',
         xhtml('Three', '<h1>Chapter Three</h1><p>The end.</p>')),
        ('img', 'Images/cover.png', 'image/png', 'OEBPS/Images/cover.png', 'PNG'),
        ('gone', 'Text/missing.xhtml', 'application/xhtml+xml', 'OEBPS/Text/missing.xhtml', None),
    ]
    # Spine order differs from the manifest's and the file names'.
    parts = epub_parts(chapters, ['img', 'c3', 'gone', 'c1', 'c2'])
    with zipfile.ZipFile(out, 'w') as z:
        for name, data in parts:
            z.writestr(name, data, zipfile.ZIP_STORED if name == 'mimetype' else zipfile.ZIP_DEFLATED)


def notepub(out):
    write(out, [('META-INF/container.xml', '<container/>'), ('x.xhtml', '<html/>')])


def bigxlsx(out):
    rows = ''.join('<row r="%d"><c r="A%d"><v>%d</v></c><c r="DA%d"><v>1</v></c></row>' % (i, i, i, i)
                   for i in range(1, 10011))
    wb = ('<?xml version="1.0"?><workbook %s %s><sheets><sheet name="Long" sheetId="1" r:id="rId1"/>'
          '</sheets></workbook>' % (S, R))
    write(out, [('[Content_Types].xml', CT), ('xl/workbook.xml', wb),
                ('xl/_rels/workbook.xml.rels', rels([('rId1', 'worksheet', 'worksheets/sheet1.xml')])),
                ('xl/worksheets/sheet1.xml', '<?xml version="1.0"?><worksheet %s><sheetData>%s'
                 '</sheetData></worksheet>' % (S, rows))])


def bomb(out):
    # One part that inflates 1000:1 (200 MiB of zeros in ~200 KiB).
    parts = docx_parts(para('never read'))
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts:
            if name != 'word/document.xml':
                z.writestr(name, data)
        with z.open('word/document.xml', 'w', force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><w:document ' + W.encode() + b'><w:body><w:p><w:r><w:t>')
            zeros = b' ' * (1 << 20)
            for _ in range(200):
                f.write(zeros)
            f.write(b'</w:t></w:r></w:p></w:body></w:document>')


def ratio(out):
    # Under the per-part size limit, but 40 MiB of blanks from ~40 KiB.
    parts = docx_parts(para('never read'))
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts:
            if name != 'word/document.xml':
                z.writestr(name, data)
        with z.open('word/document.xml', 'w') as f:
            f.write(b'<?xml version="1.0"?><w:document ' + W.encode() + b'><w:body><w:p><w:r><w:t>')
            for _ in range(40):
                f.write(b' ' * (1 << 20))
            f.write(b'</w:t></w:r></w:p></w:body></w:document>')


def bigpart(out):
    # 33 MiB of ordinary paragraphs: no bomb, but too big to parse as a tree.
    body = ''.join(para('p %d words' % i) for i in range(520000))
    write(out, docx_parts(body))


def many(out):
    parts = docx_parts(para('many entries'))
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        for name, data in parts:
            z.writestr(name, data)
        for i in range(10050):
            z.writestr('x/%d' % i, '')


def laughs(out):
    ents = '<!ENTITY l0 "lol">' + ''.join(
        '<!ENTITY l%d "%s">' % (i, ('&l%d;' % (i - 1)) * 10) for i in range(1, 10))
    doc = ('<?xml version="1.0"?><!DOCTYPE w:document [%s]><w:document %s><w:body>'
           '<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>' % (ents, W))
    parts = [p for p in docx_parts('') if p[0] != 'word/document.xml']
    write(out, parts + [('word/document.xml', doc)])


def deep(out):
    doc = ('<?xml version="1.0"?><w:document %s><w:body>%s%s</w:body></w:document>' % (
        W, '<w:sdt><w:sdtContent>' * 5000, '</w:sdtContent></w:sdt>' * 5000))
    parts = [p for p in docx_parts('') if p[0] != 'word/document.xml']
    write(out, parts + [('word/document.xml', doc)])


def nomain(out):
    write(out, [p for p in docx_parts(para('x')) if p[0] != 'word/document.xml'])


def truncated(out):
    b = io.BytesIO()
    docx(b)
    data = b.getvalue()
    with open(out, 'wb') as f:
        f.write(data[:len(data) // 2])


def badcd(out):
    b = io.BytesIO()
    docx(b)
    data = bytearray(b.getvalue())
    cd = data.find(b'PK\x01\x02')
    # Every central directory header's signature and sizes scrambled.
    while cd != -1:
        data[cd + 2:cd + 4] = b'\xff\xfe'
        cd = data.find(b'PK\x01\x02', cd + 4)
    with open(out, 'wb') as f:
        f.write(bytes(data))


if __name__ == '__main__':
    kind, out = sys.argv[1], sys.argv[2]
    globals()[kind](out)
