"""Sentence pools for descriptions, transfer topics and need templates (Chinese and English)."""

INSTRUMENT_ZH = [
    "该仪器面向校内外开放共享，可开展{caps}等测试服务。",
    "支持送样检测与机组人员操作，经培训考核合格后可自主上机。",
    "平台已通过{cert}，可出具带资质章的检测报告。",
    "机时预约请提前{days}个工作日在共享平台提交申请，样品需附送样单。",
    "配备{extra}，适用于{fields}领域的研发与质量控制。",
    "对中小企业用户执行优惠收费标准，可使用科技创新券抵扣部分费用。",
    "仪器由专职技术人员管理，年有效机时超过{hours}小时。",
]
INSTRUMENT_EN = [
    "Open to external users for {caps_en}.",
    "Samples can be submitted for measurement by staff; trained users may book self-service time.",
    "Reports can be issued under {cert}.",
    "Book at least {days} working days ahead; a sample submission form is required.",
    "Suited to R&D and quality control in {fields_en}.",
    "Discounted rates apply to SMEs, and innovation vouchers are accepted.",
]
PRODUCT_ZH = [
    "{name}为国产自主研发产品，核心部件国产化率高，可替代{replaces}等进口型号。",
    "整机性能指标达到同类进口产品水平，已在多家药企、检测机构和高校稳定运行。",
    "提供安装调试、方法开发与操作培训，售后响应时间不超过{hours}小时。",
    "支持数据完整性（审计追踪、电子签名），满足 GMP 与 21 CFR Part 11 要求。",
    "价格约为进口同类产品的{ratio}，交货期{lead}天。",
]
PRODUCT_EN = [
    "A domestically developed {name_en} that replaces imported models such as {replaces}.",
    "Performance matches comparable imported instruments; installed at pharma companies, test labs and universities.",
    "Includes installation, method transfer and operator training; service response within {hours} hours.",
    "Priced at about {ratio} of the imported equivalent with a lead time of {lead} days.",
]

# (title, field, description, keywords)
TRANSFER_TOPICS = [
    ("高效液相色谱手性色谱柱填料制备技术", "分析检测", "提供一种手性固定相的制备方法，分离度高、柱效稳定，可用于药物对映异构体及杂质分离。", ["HPLC", "色谱柱", "手性分离"]),
    ("药物基因毒性杂质痕量检测方法", "医药", "建立 LC-MS/MS 测定原料药中亚硝胺类基因毒性杂质的方法，定量限达 ppb 级。", ["LC-MS/MS", "亚硝胺", "杂质"]),
    ("高镍三元正极材料包覆改性技术", "新能源材料", "通过纳米氧化物包覆提升高镍正极循环稳定性，500 周容量保持率大于 90%。", ["锂电池", "正极材料", "包覆"]),
    ("锂电池隔膜陶瓷涂覆工艺", "新能源材料", "水性陶瓷浆料涂覆工艺，提高隔膜耐热性与电解液浸润性。", ["隔膜", "涂覆", "锂电"]),
    ("土壤重金属原位钝化修复药剂", "环境", "复合钝化剂降低土壤中镉、铅有效态含量，适用于农田修复。", ["重金属", "土壤修复", "镉"]),
    ("工业废水中难降解有机物高级氧化技术", "环境", "臭氧催化氧化工艺，COD 去除率高，运行成本低。", ["废水", "COD", "高级氧化"]),
    ("食品中真菌毒素快速检测试纸条", "食品安全", "基于胶体金免疫层析，10 分钟检测黄曲霉毒素 B1，检出限 2 µg/kg。", ["真菌毒素", "快检", "黄曲霉毒素"]),
    ("农药残留酶抑制快速检测方法", "食品安全", "适用于蔬菜水果有机磷与氨基甲酸酯类农残现场筛查。", ["农残", "快检", "蔬菜"]),
    ("国产化扫描电镜场发射电子枪", "仪器研制", "自主设计的肖特基场发射电子枪，亮度与稳定性达到进口水平。", ["扫描电镜", "电子枪", "国产替代"]),
    ("小型化质谱离子源技术", "仪器研制", "用于便携式质谱的常压离子源，适合现场快速检测。", ["质谱", "离子源", "便携"]),
    ("碳化硅功率器件封装散热技术", "半导体", "银烧结与双面散热结构，降低结温，提升功率模块可靠性。", ["碳化硅", "封装", "功率器件"]),
    ("晶圆表面颗粒缺陷光学检测算法", "半导体", "基于深度学习的晶圆表面缺陷分类算法，准确率 98%。", ["晶圆", "缺陷检测", "AI"]),
    ("中药材重金属及农残一体化前处理装置", "中医药", "一次前处理同时满足 ICP-MS 与 GC-MS 检测要求，节省时间。", ["中药", "前处理", "重金属"]),
    ("可降解聚乳酸增韧改性技术", "高分子材料", "反应共混增韧，断裂伸长率提高 10 倍，适用于包装材料。", ["聚乳酸", "可降解", "改性"]),
    ("高性能环氧树脂涂料防腐配方", "化工", "耐盐雾 2000 小时的重防腐涂料配方，适用于海洋工程。", ["涂料", "防腐", "盐雾"]),
    ("Nanoparticle size reference materials", "Metrology", "Certified polystyrene nanosphere reference materials for calibrating particle size analysers.", ["reference material", "particle size", "calibration"]),
    ("Machine-vision gauge for precision machined parts", "Manufacturing", "Non-contact optical measurement replacing CMM checks on the production line.", ["metrology", "machine vision", "CMM"]),
    ("EMC pre-compliance test fixture", "Electronics", "Low-cost near-field probe set and software for EMC pre-compliance testing of small devices.", ["EMC", "pre-compliance", "radiated emission"]),
    ("Rapid qPCR assay for foodborne pathogens", "Food safety", "Multiplex real-time PCR detecting Salmonella, Listeria and E. coli O157 in 2 hours.", ["qPCR", "pathogen", "food safety"]),
    ("Solid-state electrolyte thin films", "Energy materials", "Sputtered LiPON thin films for micro batteries with high ionic conductivity.", ["solid electrolyte", "thin film", "battery"]),
]

# (title template, family key, sample type, standard, keywords, count range, budget per sample)
NEED_TEMPLATES = [
    ("胶囊剂有关物质检测（HPLC），{n}个样品，{city}，{weeks}周内", "hplc", "胶囊", "中国药典 2025年版 通则0512", ["HPLC", "有关物质", "杂质"], (50, 300), 300),
    ("片剂含量测定与溶出度试验，共{n}批", "hplc", "片剂", "中国药典 2025年版 通则0931", ["溶出度", "含量测定"], (10, 60), 500),
    ("原料药中亚硝胺类基因毒性杂质测定", "lcms", "原料药", "ICH M7", ["LC-MS/MS", "亚硝胺", "基因毒性杂质"], (5, 40), 1500),
    ("蔬菜农药残留多残留筛查（GC-MS），{n}个样品", "gcms", "蔬菜", "GB 23200.8-2016", ["农残", "GC-MS"], (20, 200), 600),
    ("大米中镉、铅含量检测", "icpms", "大米", "GB 5009.268-2016", ["重金属", "镉", "铅", "ICP-MS"], (20, 150), 200),
    ("土壤重金属八项检测，{n}个点位", "icpms", "土壤", "HJ 780-2015", ["土壤", "重金属"], (30, 300), 400),
    ("药品元素杂质（ICH Q3D）风险评估测试", "icpms", "口服固体制剂", "ICH Q3D", ["元素杂质", "ICP-MS"], (3, 20), 2000),
    ("锂电池正极材料粒度分布测试", "particle", "正极材料粉末", "GB/T 19077-2016", ["粒度", "锂电池"], (10, 80), 150),
    ("催化剂比表面积与孔径分布测试", "bet", "催化剂粉末", "GB/T 19587-2017", ["BET", "比表面积", "孔径"], (5, 40), 500),
    ("金属断口形貌观察与能谱分析（SEM-EDS）", "sem", "金属零件", "GB/T 17359-2012", ["扫描电镜", "能谱", "失效分析"], (3, 20), 800),
    ("纳米颗粒透射电镜形貌表征", "tem", "纳米粉体", "GB/T 18907-2013", ["TEM", "纳米颗粒"], (3, 15), 2000),
    ("原料药晶型鉴别（XRD）", "xrd", "原料药", "中国药典 2025年版 通则0451", ["XRD", "晶型"], (5, 30), 400),
    ("新化合物结构确证（核磁氢谱、碳谱、二维谱）", "nmr", "有机化合物", "JY/T 0578-2020", ["NMR", "结构解析"], (3, 20), 800),
    ("高分子材料红外鉴别与热性能分析", "ftir", "塑料颗粒", "GB/T 6040-2019", ["红外", "FTIR", "高分子"], (5, 30), 300),
    ("塑料拉伸性能测试", "utm", "塑料样条", "GB/T 1040.2-2022", ["拉伸", "力学性能"], (10, 100), 150),
    ("精密零件三坐标尺寸检测", "cmm", "机加工零件", "GB/T 16857.2-2017", ["三坐标", "尺寸检测"], (5, 50), 400),
    ("电子产品辐射发射与静电抗扰度测试", "emc", "电子产品", "GB/T 9254.1-2021", ["EMC", "电磁兼容"], (1, 5), 6000),
    ("汽车零部件高低温循环试验", "chamber", "汽车零部件", "GB/T 2423.1-2008", ["高低温", "可靠性"], (2, 10), 3000),
    ("涂层中性盐雾试验 480 小时", "saltspray", "涂层样板", "GB/T 10125-2021", ["盐雾", "耐腐蚀"], (5, 30), 800),
    ("电池内部结构工业 CT 无损检测", "ct", "软包电池", "GB/T 29070-2012", ["工业CT", "无损检测"], (3, 20), 1500),
    ("Residual solvent testing of an API by GC, {n} batches", "gc", "API", "ICH Q3C", ["GC", "residual solvents"], (5, 30), 400),
    ("Trace metals in drinking water by ICP-MS", "icpms", "water", "GB/T 5750.6-2023", ["ICP-MS", "heavy metals", "water"], (10, 100), 300),
    ("Particle size of battery anode graphite", "particle", "graphite powder", "ISO 13320", ["particle size", "battery"], (10, 50), 150),
    ("Thermal stability (TGA/DSC) of polymer compounds", "thermal", "polymer pellets", "ASTM E1131", ["TGA", "DSC", "thermal analysis"], (5, 30), 350),
    ("Flow cytometry apoptosis assay for a drug screening project", "flow", "cell samples", "JY/T 0589-2020", ["flow cytometry", "apoptosis"], (20, 100), 200),
    ("食品中黄曲霉毒素B1检测", "lcms", "花生", "GB 5009.22-2016", ["黄曲霉毒素", "真菌毒素"], (10, 80), 400),
    ("水质中挥发性有机物 VOCs 检测", "gcms", "地表水", "HJ 639-2012", ["VOCs", "挥发性有机物", "水质"], (10, 60), 500),
    ("转基因成分定性检测（qPCR）", "qpcr", "大豆", "GB/T 19495.4-2018", ["转基因", "qPCR"], (10, 50), 300),
    ("RoHS 有害物质筛查（XRF）", "xrf", "电子元器件", "IEC 62321-3-1", ["RoHS", "XRF"], (10, 80), 150),
    ("石墨烯薄膜拉曼光谱表征", "raman", "石墨烯薄膜", "GB/T 40069-2021", ["拉曼", "石墨烯"], (5, 20), 300),
]
