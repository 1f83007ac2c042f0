"""The small bilingual catalogue the search tests share: HPLCs in two languages and from two regions, a
domestic product, other instruments, a transfer, a need, and a listing with HTML in its title."""

HPLC_WUHAN = {"kind": "instrument", "ref": "hplc-wh", "title": "高效液相色谱仪 Agilent 1260 Infinity II",
              "description": "可开展药物有关物质检查与含量测定，送样检测。", "region": "湖北省/武汉市",
              "category": "分析仪器/色谱仪器", "origin": "imported", "certifications": ["CMA"],
              "service_modes": ["sample_submission"],
              "fees": [{"item": "有关物质", "price_cny": 300, "unit": "sample"}],
              "owner": {"name": "武汉大学分析测试中心", "kind": "university"}}
HPLC_BEIJING = {"kind": "instrument", "ref": "hplc-bj", "title": "Liquid chromatograph Waters e2695",
                "description": "HPLC for impurity profiling of drug substances. Self-service after training.",
                "region": "北京市/北京市", "category": "分析仪器/色谱仪器", "origin": "imported",
                "certifications": ["cnas"], "service_modes": ["self_service"],
                "fees": [{"item": "machine time", "price_cny": 200, "unit": "hour"}]}
HPLC_PRODUCT = {"kind": "product", "ref": "lc-3000", "title": "国产液相色谱仪 LC-3000",
                "description": "Domestic HPLC replacing Agilent 1260 Infinity II.", "origin": "domestic",
                "region": "上海市/上海市", "category": "分析仪器/色谱仪器", "replaces": ["Agilent 1260"],
                "price_min_cny": 180000, "price_max_cny": 260000}
SEM = {"kind": "instrument", "ref": "sem", "title": "场发射扫描电镜 ZEISS Sigma 300",
       "description": "形貌观察与能谱分析。",
       "region": "湖北省/武汉市", "category": "分析仪器/电子光学仪器", "origin": "imported",
       "certifications": ["CMA", "CNAS"],
       "service_modes": ["operated_by_staff"], "fees": [{"item": "形貌", "price_cny": 500, "unit": "hour"}]}
XRD = {"kind": "instrument", "ref": "xrd", "title": "X-ray diffractometer Bruker D8 ADVANCE",
       "description": "Phase identification and crystallinity.", "region": "江苏省/南京市",
       "category": "分析仪器/X射线仪器", "origin": "imported", "service_modes": ["sample_submission"],
       "fees": [{"item": "phase", "price_cny": 150, "unit": "sample"}]}
ICP_MS = {"kind": "instrument", "ref": "icp-ms", "title": "ICP-MS Thermo iCAP RQ",
          "description": "Trace heavy metals (Pb, Cd, As) in food and water.", "region": "广东省/广州市",
          "category": "分析仪器/质谱仪器", "origin": "imported", "service_modes": ["sample_submission"],
          "fees": [{"item": "per element", "price_cny": 80, "unit": "item"}]}
GC_MS = {"kind": "instrument", "ref": "gc-ms", "title": "气相色谱-质谱联用仪 Shimadzu QP2020",
         "description": "农药残留与挥发性有机物分析。", "region": "湖北省/宜昌市", "category": "分析仪器/色谱仪器",
         "origin": "imported", "service_modes": ["sample_submission"]}
NMR = {"kind": "instrument", "ref": "nmr", "title": "核磁共振波谱仪 Bruker AVANCE 400",
       "description": "有机化合物结构鉴定。", "region": "浙江省/杭州市", "category": "分析仪器/波谱仪器",
       "origin": "imported"}
TENSILE = {"kind": "product", "ref": "utm", "title": "Universal testing machine WDW-100",
           "description": "Tensile and compression tests of metals and plastics.", "origin": "domestic",
           "region": "山东省/济南市", "category": "物理性能测试仪器/力学性能测试仪器", "price_min_cny": 90000}
TRANSFER = {"kind": "transfer", "ref": "column", "title": "手性色谱柱填料制备技术",
            "description": "用于药物杂质分离的色谱柱。",
            "region": "湖北省/武汉市", "asking_price_cny": 500000}
NEED = {"kind": "need", "ref": "need-1", "title": "胶囊有关物质检测", "description": "需要液相色谱检测 20 批胶囊。",
        "region": "湖北省/武汉市", "budget_cny": 6000}
XSS = {"kind": "instrument", "ref": "xss", "title": "<script>alert(1)</script> 液相色谱仪",
       "description": "<b>bold</b>",
       "region": "湖南省/长沙市"}
ALL = [HPLC_WUHAN, HPLC_BEIJING, HPLC_PRODUCT, SEM, XRD, ICP_MS, GC_MS, NMR, TENSILE, TRANSFER, NEED, XSS]
HPLC_LISTINGS = {"hplc-wh", "hplc-bj", "lc-3000", "xss", "need-1"}
